use super::message_actions::MessageToolbar;
use crate::api::{mail::AllowImages, writing::StartDraft};
use crate::{components::LocalTime, i18n::*};
use domain::{FolderNode, MessageView, Person, TextBlock};
use leptos::prelude::*;

/// One message of a conversation: a `<details>` (works without JavaScript), expanded for
/// the newest; headers, the body (sanitised HTML in a sandboxed frame, or the text with
/// quotes folded), attachments.
#[component]
pub fn MessageCard(
    m: MessageView,
    expanded: bool,
    images: Memo<Option<i64>>,
    here: String,
    folders: Vec<FolderNode>,
    /// The opened message: its buttons answer the keyboard shortcuts.
    opened: i64,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = m.id;
    let seen = m.seen;
    let keys = id == opened;
    let sender = if m.from.name.is_empty() {
        m.from.address.clone()
    } else {
        m.from.name.clone()
    };
    let date = m.sent_at.unwrap_or(m.received_at);
    let folder = match m.folder_role {
        Some(role) => super::folder_tree::role_name(i18n, role),
        None => m.folder_name.clone(),
    };
    let draft = m.folder_role == Some(domain::FolderRole::Drafts);
    let snippet: String = m
        .text
        .iter()
        .find(|b| b.quote_depth == 0)
        .map(|b| b.text.chars().take(120).collect())
        .unwrap_or_default();
    view! {
        <article class="message-card" data-message=id class:unread=!seen>
            <details open=expanded>
                <summary>
                    <span class="sender">{sender}</span>
                    " "
                    <span class="muted folder-badge">{folder}</span>
                    {m.flagged.then(|| view! { <span class="star" title=move || t_string!(i18n, starred).to_string()>"★"</span> })}
                    <LocalTime at=date/>
                    <span class="snippet muted">{snippet}</span>
                </summary>
                <dl class="message-headers">
                    <dt>{t!(i18n, from_label)}</dt>
                    <dd><People list=vec![m.from.clone()]/></dd>
                    {(!m.to.is_empty()).then(|| view! { <dt>{t!(i18n, to_label)}</dt><dd><People list=m.to.clone()/></dd> })}
                    {(!m.cc.is_empty()).then(|| view! { <dt>{t!(i18n, cc_label)}</dt><dd><People list=m.cc.clone()/></dd> })}
                    {(!m.reply_to.is_empty()).then(|| view! { <dt>{t!(i18n, reply_to_label)}</dt><dd><People list=m.reply_to.clone()/></dd> })}
                    <dt>{t!(i18n, date_label)}</dt>
                    <dd><LocalTime at=date/></dd>
                </dl>
                {m.pending.then(|| view! { <p class="notice">{t!(i18n, message_pending)}</p> })}
                {m.too_large.then(|| view! { <p class="notice">{t!(i18n, too_large)}</p> })}
                {m.over_quota.then(|| view! { <p class="notice">{t!(i18n, over_quota)}</p> })}
                <MessageToolbar m=m.clone() folders keys/>
                <crate::components::MessageCrmLinks m=m.clone()/>
                <Body m=m.clone() images here/>
                <Attachments m/>
                <ReplyBar id keys draft/>
            </details>
        </article>
    }
}

#[component]
fn Body(m: MessageView, images: Memo<Option<i64>>, here: String) -> impl IntoView {
    let i18n = use_i18n();
    let id = m.id;
    if m.has_html {
        let always = m.images_allowed;
        let show_images = move || always || images.get() == Some(id);
        let src = move || {
            if show_images() {
                format!("/mail/messages/{id}/content?images=1")
            } else {
                format!("/mail/messages/{id}/content")
            }
        };
        let show = format!("{here}&images={id}");
        view! {
            {move || (!show_images()).then(|| view! {
                <p class="images-blocked muted">
                    {t!(i18n, images_blocked)} " "
                    <a href=show.clone() class="show-images">{t!(i18n, show_images)}</a>
                    " "
                    <AlwaysShowImages id/>
                </p>
            })}
            <iframe
                class="message-frame"
                title=move || t_string!(i18n, message_frame).to_string()
                src=src
                sandbox="allow-popups allow-popups-to-escape-sandbox"
                referrerpolicy="no-referrer"
            ></iframe>
        }
        .into_any()
    } else {
        view! { <TextBody blocks=m.text/> }.into_any()
    }
}

/// Plain text, quoted runs folded in `<details>`.
#[component]
fn TextBody(blocks: Vec<TextBlock>) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <div class="message-text">
            {blocks.into_iter().map(|b| {
                if b.quote_depth == 0 {
                    view! { <pre class="text-block">{b.text}</pre> }.into_any()
                } else {
                    view! {
                        <details class="quoted" data-depth=b.quote_depth>
                            <summary>{t!(i18n, show_quoted)}</summary>
                            <blockquote><pre class="text-block">{b.text}</pre></blockquote>
                        </details>
                    }.into_any()
                }
            }).collect_view()}
        </div>
    }
}

#[component]
fn Attachments(m: MessageView) -> impl IntoView {
    let i18n = use_i18n();
    let id = m.id;
    (!m.attachments.is_empty()).then(|| {
        view! {
            <section class="attachments">
                <h3>{t!(i18n, attachments_title)}</h3>
                <ul>
                    {m.attachments.into_iter().map(|a| view! {
                        <li>
                            <a href=format!("/mail/messages/{id}/attachments/{}", a.index) download=a.name.clone() rel="noopener">
                                {a.name.clone()}
                            </a>
                            " " <span class="muted">{a.content_type.clone()} ", " {size_text(a.size)}</span>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        }
    })
}

#[component]
fn People(list: Vec<Person>) -> impl IntoView {
    list.into_iter()
        .enumerate()
        .map(|(n, p)| {
            let sep = (n > 0).then_some(", ");
            let label = if p.name.is_empty() {
                p.address.clone()
            } else {
                format!("{} <{}>", p.name, p.address)
            };
            view! { {sep} <span class="person" title=p.address.clone()>{label}</span> }
        })
        .collect_view()
}

/// "12 KB", "3.4 MB".
fn size_text(bytes: u64) -> String {
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < 1024 * 1024 => format!("{} KB", b.div_ceil(1024)),
        b => format!("{:.1} MB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// The attachment mark: an inline icon (emoji fonts are not everywhere).
#[component]
pub fn PaperClip(label: String) -> impl IntoView {
    let title = label.clone();
    view! {
        <svg class="attachment" role="img" aria-label=label width="14" height="14" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round">
            <title>{title}</title>
            <path d="M21 11.5l-8.5 8.5a5 5 0 0 1-7-7l9-9a3.5 3.5 0 0 1 5 5l-9 9a2 2 0 0 1-3-3l8-8"/>
        </svg>
    }
}

/// **Reply**, **Reply all**, **Forward**: each a form that starts a draft and opens it
/// (`r`, `a`, `f` press them on the opened message); in Drafts, **Edit draft** first.
#[component]
fn ReplyBar(id: i64, keys: bool, draft: bool) -> impl IntoView {
    let i18n = use_i18n();
    let start = ServerAction::<StartDraft>::new();
    let key = move |k: &'static str| (keys && !k.is_empty()).then_some(k);
    let button = move |kind: &'static str, shortcut: &'static str, label: String| {
        view! {
            <ActionForm action=start attr:class="inline">
                <input type="hidden" name="kind" value=kind/>
                <input type="hidden" name="message" value=id/>
                <button type="submit" data-shortcut=key(shortcut) data-reply=kind>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <div class="reply-bar" role="toolbar" aria-label=move || t_string!(i18n, reply_actions).to_string()>
            {draft.then(|| button("edit", "", t_string!(i18n, edit_draft).to_string()))}
            {button("reply", "r", t_string!(i18n, reply).to_string())}
            {button("reply_all", "a", t_string!(i18n, reply_all).to_string())}
            {button("forward", "f", t_string!(i18n, forward).to_string())}
        </div>
    }
}

/// **Always show images from this sender** (remembered for this user).
#[component]
fn AlwaysShowImages(id: i64) -> impl IntoView {
    let i18n = use_i18n();
    let acting = expect_context::<super::message_actions::Acting>();
    let allow = ServerAction::<AllowImages>::new();
    // The conversation refetches with the acting version; nudge it after allowing.
    Effect::new(move |_| {
        if allow.version().get() > 0 {
            acting.version().update(|v| *v += 1);
        }
    });
    view! {
        <ActionForm action=allow attr:class="inline">
            <input type="hidden" name="id" value=id/>
            <button type="submit" class="link-button">{t!(i18n, always_show_images)}</button>
        </ActionForm>
    }
}
