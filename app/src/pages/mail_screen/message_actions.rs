use super::folder_tree::role_name;
use crate::json_resource::json_resource;
use crate::{
    api::mail::{ActOnMessages, DismissAction, RetryAction, action_failures},
    i18n::*,
};
use domain::{ActionFailure, FolderNode, FolderRole, MessageAction, MessageView};
use leptos::prelude::*;

/// The screen's one action: every form posts through it, so the list, the tree and the
/// conversation refetch when it completes, and lines show its effect while it runs.
pub type Acting = ServerAction<ActOnMessages>;

/// What a pending action (the hydrated screen's optimistic view) does to message `id`.
pub fn pending_effect(acting: Acting, id: i64) -> Option<&'static str> {
    acting.input().with(|input| {
        input
            .as_ref()
            .filter(|a| a.ids.contains(&id))
            .map(|a| match a.action.as_str() {
                "read" => "read",
                "unread" => "unread",
                "flag" => "flag",
                "unflag" => "unflag",
                _ => "gone",
            })
    })
}

/// One message's buttons: read/unread, star, archive, delete, move. Each is a form, so it
/// works without JavaScript; `data-shortcut` lets the keyboard press them.
#[component]
pub fn MessageToolbar(m: MessageView, folders: Vec<FolderNode>, keys: bool) -> impl IntoView {
    let i18n = use_i18n();
    let key = move |k: &'static str| if keys { k } else { "" };
    let id = m.id;
    let in_trash = m.folder_role == Some(FolderRole::Trash);
    let has_archive = folders.iter().any(|f| f.role == Some(FolderRole::Archive))
        && m.folder_role != Some(FolderRole::Archive);
    let targets: Vec<FolderNode> = folders
        .into_iter()
        .filter(|f| f.id != m.folder_id)
        .collect();
    let (read_action, read_label, read_key) = if m.seen {
        ("unread", t_string!(i18n, mark_unread).to_string(), "U")
    } else {
        ("read", t_string!(i18n, mark_read).to_string(), "")
    };
    let (flag_action, flag_label) = if m.flagged {
        ("unflag", t_string!(i18n, unflag).to_string())
    } else {
        ("flag", t_string!(i18n, flag).to_string())
    };
    let delete_label = if in_trash {
        t_string!(i18n, delete_forever).to_string()
    } else {
        t_string!(i18n, delete).to_string()
    };
    view! {
        <div class="message-toolbar" role="toolbar" aria-label=move || t_string!(i18n, message_actions).to_string()>
            <ActButton id action=read_action label=read_label shortcut=key(read_key)/>
            <ActButton id action=flag_action label=flag_label shortcut=key("s")/>
            {has_archive.then(|| view! { <ActButton id action="archive" label=t_string!(i18n, archive).to_string() shortcut=key("e")/> })}
            <ActButton id action="delete" label=delete_label shortcut=key("#")/>
            {(!targets.is_empty()).then(|| view! { <MoveForm ids=vec![id] targets form_id=None/> })}
        </div>
    }
}

#[component]
fn ActButton(
    id: i64,
    action: &'static str,
    label: String,
    shortcut: &'static str,
) -> impl IntoView {
    let acting = expect_context::<Acting>();
    view! {
        <ActionForm action=acting>
            <input type="hidden" name="ids[0]" value=id/>
            <input type="hidden" name="action" value=action/>
            <button type="submit" data-shortcut=(!shortcut.is_empty()).then_some(shortcut) data-action=action>{label}</button>
        </ActionForm>
    }
}

/// **Move to** a folder: for one message, or (with `form_id`) the bulk selection.
#[component]
pub fn MoveForm(
    ids: Vec<i64>,
    targets: Vec<FolderNode>,
    form_id: Option<&'static str>,
) -> impl IntoView {
    let i18n = use_i18n();
    let acting = expect_context::<Acting>();
    let select_id = format!("move-{}", ids.first().copied().unwrap_or_default());
    view! {
        <ActionForm action=acting attr:id=form_id>
            {ids.into_iter().enumerate().map(|(n, id)| view! { <input type="hidden" name=format!("ids[{n}]") value=id/> }).collect_view()}
            <input type="hidden" name="action" value="move"/>
            <label class="visually-hidden" for=select_id.clone()>{t!(i18n, move_to)}</label>
            <select id=select_id name="folder">
                {targets.into_iter().map(|f| {
                    let name = f.role.map(|r| role_name(i18n, r)).unwrap_or(f.name);
                    view! { <option value=f.id>{name}</option> }
                }).collect_view()}
            </select>
            <button type="submit" data-action="move">{t!(i18n, move_button)}</button>
        </ActionForm>
    }
}

/// The bulk bar of a list: the checked lines (`form="bulk-actions"`) get the chosen action.
#[component]
pub fn BulkBar() -> impl IntoView {
    let i18n = use_i18n();
    let acting = expect_context::<Acting>();
    view! {
        <ActionForm action=acting attr:id="bulk-actions" attr:class="bulk-bar">
            <label for="bulk-action">{t!(i18n, with_selected)}</label>
            <select id="bulk-action" name="action">
                <option value="read">{t!(i18n, mark_read)}</option>
                <option value="unread">{t!(i18n, mark_unread)}</option>
                <option value="flag">{t!(i18n, flag)}</option>
                <option value="unflag">{t!(i18n, unflag)}</option>
                <option value="archive">{t!(i18n, archive)}</option>
                <option value="delete">{t!(i18n, delete)}</option>
            </select>
            <button type="submit">{t!(i18n, apply)}</button>
        </ActionForm>
    }
}

/// Changes the mail server refused after their retries: shown until retried or dismissed.
#[component]
pub fn Failures(tick: ReadSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    let retry = ServerAction::<RetryAction>::new();
    let dismiss = ServerAction::<DismissAction>::new();
    let list = json_resource(
        move || (tick.get(), retry.version().get(), dismiss.version().get()),
        |_| action_failures(),
    );
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let failures: Vec<ActionFailure> = list.await.unwrap_or_default();
                (!failures.is_empty()).then(|| view! {
                    <section class="failures notice" role="alert">
                        <strong>{t!(i18n, action_failed)}</strong>
                        <ul>
                            {failures.into_iter().map(|f| view! {
                                <li data-failure=f.id>
                                    {action_text(i18n, f.action)} " — " {f.subject.clone()} ": " {f.error.clone()} " "
                                    <ActionForm action=retry attr:class="inline">
                                        <input type="hidden" name="id" value=f.id/>
                                        <button type="submit">{t!(i18n, retry)}</button>
                                    </ActionForm>
                                    <ActionForm action=dismiss attr:class="inline">
                                        <input type="hidden" name="id" value=f.id/>
                                        <button type="submit">{t!(i18n, dismiss)}</button>
                                    </ActionForm>
                                </li>
                            }).collect_view()}
                        </ul>
                    </section>
                })
            })}
        </Transition>
    }
}

fn action_text(i18n: leptos_i18n::I18nContext<Locale>, action: MessageAction) -> String {
    match action {
        MessageAction::MarkRead => t_string!(i18n, mark_read),
        MessageAction::MarkUnread => t_string!(i18n, mark_unread),
        MessageAction::Flag => t_string!(i18n, flag),
        MessageAction::Unflag => t_string!(i18n, unflag),
        MessageAction::MoveTo(_) => t_string!(i18n, move_to),
        MessageAction::Delete => t_string!(i18n, delete),
        MessageAction::Archive => t_string!(i18n, archive),
        MessageAction::MarkAnswered => t_string!(i18n, mark_answered),
    }
    .to_string()
}
