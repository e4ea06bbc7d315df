//! A draft's attachments: each with its size, a download link and **Remove**; the limit
//! and what is used so far. The file input and **Attach** belong to the compose form
//! (`form=`): without JavaScript, **Attach** posts the whole form, multipart, to the upload
//! route, which saves what was typed before it stores the files and comes back to the
//! draft — nothing typed is lost. Hydrated, **Attach** (the compose form tells this
//! component through `attach`) and files dropped anywhere on the compose area upload by
//! `fetch`, checked against the limit first (the server checks again while it reads).

use super::size_text;
use crate::{
    api::writing::{RemoveAttachment, remove_attachment},
    error::AppError,
    i18n::*,
    i18n_setup::{error_text, send_problem_text},
};
use domain::{ComposeAttachment, ComposeView, SendProblem};
use leptos::{prelude::*, server_fn::ServerFn};

#[component]
pub fn Attachments(
    v: ComposeView,
    editable: bool,
    upload_error: Memo<Option<String>>,
    /// Grows when **Attach** is pressed in the hydrated compose form.
    attach: RwSignal<u32>,
    /// The compose form's id: the file input and **Attach** are its controls.
    form: String,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = v.id;
    let limit = v.attachment_limit;
    let list = RwSignal::new(v.attachments.clone());
    let error = RwSignal::new(None::<AppError>);
    let uploading = RwSignal::new(None::<String>);
    let used = move || list.with(|l| l.iter().map(|a| a.size).sum::<u64>());
    let limit_text = move || {
        format!(
            "{} {} {} {}",
            t_string!(i18n, attachments_limit),
            size_text(limit),
            t_string!(i18n, attachments_used),
            size_text(used()),
        )
    };
    let remove = move |ev: leptos::ev::SubmitEvent, attachment: i64| {
        ev.prevent_default();
        error.set(None);
        leptos::task::spawn_local(async move {
            match remove_attachment(id, attachment).await {
                Ok(()) => list.update(|l| l.retain(|a| a.id != attachment)),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let input_ref = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |seen: Option<u32>| {
        let now = attach.get();
        #[cfg(feature = "hydrate")]
        if seen.is_some_and(|before| before != now)
            && let Some(input) = input_ref.get_untracked()
        {
            let picked = super::browser::chosen(&input);
            input.set_value("");
            upload_all(id, limit, picked, list, error, uploading);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = seen;
        now
    });
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        if editable {
            upload_all(
                id,
                limit,
                super::browser::dropped(&ev),
                list,
                error,
                uploading,
            );
        }
    };
    let problem_from_page = move || {
        upload_error.get().map(|code| match code.as_str() {
            "too_large" => too_large_text(i18n, limit),
            "changed" => t_string!(i18n, err_draft_changed).to_string(),
            "no_file" => t_string!(i18n, upload_no_file).to_string(),
            _ => t_string!(i18n, upload_failed).to_string(),
        })
    };
    view! {
        <section class="compose-attachments" class:droppable=editable
            on:dragover=move |ev| ev.prevent_default()
            on:drop=on_drop
            aria-labelledby=format!("attachments-{id}")>
            <h2 id=format!("attachments-{id}")>{t!(i18n, attachments_title)}</h2>
            <p class="muted attachment-limit">{limit_text}</p>
            <ul class="attachment-list">
                <For each=move || list.get() key=|a| a.id let(a)>
                    <AttachmentRow draft=id a=a.clone() editable on_remove=remove/>
                </For>
            </ul>
            {move || uploading.get().map(|name| view! {
                <p class="uploading" role="status">{t!(i18n, uploading)} " " {name} " " <progress></progress></p>
            })}
            {move || error.get().map(|err| {
                let text = match err {
                    AppError::Send(SendProblem::AttachmentsTooLarge { .. }) => too_large_text(i18n, limit),
                    other => error_text(i18n, &other),
                };
                view! { <p class="form-error" role="alert">{text}</p> }
            })}
            {move || problem_from_page().map(|text| view! { <p class="form-error" role="alert">{text}</p> })}
            {editable.then(|| view! {
                <div class="upload-form">
                    <label>
                        {t!(i18n, attach_files)}
                        <input type="file" name="file" multiple node_ref=input_ref form=form.clone()/>
                    </label>
                    <button type="submit" form=form.clone() data-intent="attach"
                        formaction=format!("/mail/drafts/{id}/attachments")
                        formenctype="multipart/form-data" formmethod="post">{t!(i18n, attach)}</button>
                    <span class="muted drop-hint">{t!(i18n, drop_hint)}</span>
                </div>
            })}
        </section>
    }
}

#[component]
fn AttachmentRow<F>(draft: i64, a: ComposeAttachment, editable: bool, on_remove: F) -> impl IntoView
where
    F: Fn(leptos::ev::SubmitEvent, i64) + Copy + Send + Sync + 'static,
{
    let i18n = use_i18n();
    let att = a.id;
    view! {
        <li data-attachment=att>
            <a href=format!("/mail/drafts/{draft}/attachments/{att}") download=a.name.clone()>{a.name.clone()}</a>
            " " <span class="muted">{size_text(a.size)}</span> " "
            {editable.then(|| view! {
                <form method="post" action=RemoveAttachment::url() class="inline" on:submit=move |ev| on_remove(ev, att)>
                    <input type="hidden" name="draft" value=draft/>
                    <input type="hidden" name="attachment" value=att/>
                    <button type="submit" class="link-button"
                        aria-label=format!("{} {}", t_string!(i18n, remove), a.name)>{t!(i18n, remove)}</button>
                </form>
            })}
        </li>
    }
}

/// "Attachments may be up to 25 MB in total. Remove some, or share a link instead."
fn too_large_text(i18n: leptos_i18n::I18nContext<Locale>, limit: u64) -> String {
    send_problem_text(
        i18n,
        &SendProblem::AttachmentsTooLarge { limit_bytes: limit },
    )
}

/// Uploads the files one after another, after checking the total against the limit.
#[cfg(feature = "hydrate")]
fn upload_all(
    draft: i64,
    limit: u64,
    picked: Vec<super::browser::Picked>,
    list: RwSignal<Vec<ComposeAttachment>>,
    error: RwSignal<Option<AppError>>,
    uploading: RwSignal<Option<String>>,
) {
    if picked.is_empty() {
        return;
    }
    error.set(None);
    let used: u64 = list.with_untracked(|l| l.iter().map(|a| a.size).sum());
    let adding: u64 = picked.iter().map(|p| p.size).sum();
    if used + adding > limit {
        error.set(Some(AppError::Send(SendProblem::AttachmentsTooLarge {
            limit_bytes: limit,
        })));
        return;
    }
    leptos::task::spawn_local(async move {
        for p in &picked {
            uploading.set(Some(p.name.clone()));
            match super::browser::upload(draft, p).await {
                Ok(a) => list.update(|l| l.push(a)),
                Err(err) => {
                    error.set(Some(err));
                    break;
                }
            }
        }
        uploading.set(None);
    });
}
