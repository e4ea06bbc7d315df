use crate::json_resource::JsonResource;
use crate::{i18n::*, i18n_setup::error_text};
use domain::{FolderNode, FolderRole, MailScope, MailTree};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// The left pane: **All inboxes**, then each mailbox with its folders (nested, special
/// folders named in the user's language, unread counts).
#[component]
pub fn FolderTree(
    tree: JsonResource<Result<MailTree, crate::error::AppError>>,
    scope: Memo<MailScope>,
) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <nav class="folder-tree" aria-label=move || t_string!(i18n, mail_folders).to_string()>
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match tree.await {
                        Ok(tree) => view! { <Tree tree scope/> }.into_any(),
                        Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                    }
                })}
            </Transition>
        </nav>
    }
}

#[component]
fn Tree(tree: MailTree, scope: Memo<MailScope>) -> impl IntoView {
    let i18n = use_i18n();
    let all_current = move || scope.get() == MailScope::All;
    let inbox_unread = tree.inbox_unread;
    view! {
        <ul class="tree">
            <li>
                <a href="/mail/inbox" class="folder all-inboxes" aria-current=move || all_current().then_some("page")>
                    <span class="folder-name">{t!(i18n, all_inboxes)}</span>
                    <Unread n=inbox_unread/>
                </a>
            </li>
        </ul>
        {tree.mailboxes.into_iter().map(|m| {
            let id = m.id;
            view! {
                <section class="tree-mailbox" data-mailbox=id>
                    <h2 title=m.email.clone()>{m.name.clone()}</h2>
                    <ul class="tree">
                        {m.folders.into_iter().map(|f| view! { <FolderLink mailbox=id f scope/> }).collect_view()}
                    </ul>
                </section>
            }
        }).collect_view()}
    }
}

#[component]
fn FolderLink(mailbox: i64, f: FolderNode, scope: Memo<MailScope>) -> impl IntoView {
    let i18n = use_i18n();
    let folder = f.id;
    let current = move || scope.get() == MailScope::Folder { mailbox, folder };
    let name = match f.role {
        Some(role) => role_name(i18n, role),
        None => f.name.clone(),
    };
    let indent = format!("depth-{}", f.depth.clamp(0, 6));
    view! {
        <li class=indent>
            <a
                href=format!("/mail/{mailbox}/folders/{folder}")
                class="folder"
                class:has-unread=(f.unread > 0)
                data-folder=f.name.clone()
                aria-current=move || current().then_some("page")
            >
                <span class="folder-name">{name}</span>
                <Unread n=f.unread/>
            </a>
        </li>
    }
}

#[component]
fn Unread(n: u64) -> impl IntoView {
    let i18n = use_i18n();
    (n > 0).then(|| {
        view! {
            <span class="unread-count">
                {n}
                <span class="visually-hidden">" " {t!(i18n, unread)}</span>
            </span>
        }
    })
}

/// A special folder's name in the user's language.
pub fn role_name(i18n: I18nContext<Locale>, role: FolderRole) -> String {
    match role {
        FolderRole::Inbox => t_string!(i18n, folder_inbox),
        FolderRole::Sent => t_string!(i18n, folder_sent),
        FolderRole::Drafts => t_string!(i18n, folder_drafts),
        FolderRole::Trash => t_string!(i18n, folder_trash),
        FolderRole::Junk => t_string!(i18n, folder_junk),
        FolderRole::Archive => t_string!(i18n, folder_archive),
        FolderRole::All => t_string!(i18n, folder_all),
        FolderRole::Flagged => t_string!(i18n, folder_flagged),
    }
    .to_string()
}
