//! The compose form of one draft. Without JavaScript it is a plain form: **Send** posts to
//! `send_draft`, **Save draft** (its `formaction`) to `save_draft`, and the page comes
//! back with the server's draft. Hydrated, the fields live in signals: typing saves the
//! draft 1.5 s after the last key (with the revision it started from, so another tab's
//! newer version is never overwritten), and a failed save or send keeps every character
//! on the screen with the reason.

use super::{
    address_field::AddressField, attachments::Attachments, state_banner::StateBanner,
    undo_delay::UndoDelay,
};
use crate::{
    api::writing::{DiscardDraft, SaveDraft, SendDraft, compose, save_draft},
    components::{FormError, LocalTime},
    error::AppError,
    i18n::*,
    i18n_setup::{action_error, error_text},
};
use domain::{ComposeKind, ComposeView, SendState, Timestamp};
use leptos::{prelude::*, server_fn::ServerFn};
use std::time::Duration;

/// Quiet time after the last key before the draft saves itself.
const AUTOSAVE_AFTER: Duration = Duration::from_millis(1500);

/// Where the last automatic save stands.
#[derive(Clone, Debug, PartialEq)]
enum Saving {
    Idle,
    Busy,
    Saved(Timestamp),
    Failed(AppError),
}

#[component]
pub fn Editor(
    v: ComposeView,
    reload: RwSignal<u32>,
    upload_error: Memo<Option<String>>,
) -> impl IntoView {
    let i18n = use_i18n();
    let id = v.id;
    let editable = matches!(
        v.state,
        SendState::Editing | SendState::Failed | SendState::Unconfirmed
    );
    let f = v.fields.clone();
    let mailbox = RwSignal::new(f.mailbox_id);
    let to = RwSignal::new(f.to.clone());
    let cc = RwSignal::new(f.cc.clone());
    let bcc = RwSignal::new(f.bcc.clone());
    let subject = RwSignal::new(f.subject.clone());
    let body = RwSignal::new(f.body.clone());
    let revision = RwSignal::new(v.revision);
    let saving = RwSignal::new(Saving::Idle);
    // No-JS posts come back with their error in the address (`__err`): these actions
    // pick it up during SSR. Hydrated, the form dispatches them itself.
    let save = ServerAction::<SaveDraft>::new();
    let send = ServerAction::<SendDraft>::new();
    let discard = ServerAction::<DiscardDraft>::new();
    let send_error = RwSignal::new(None::<AppError>);
    Effect::new(move |_| match send.value().get() {
        Some(Ok(_)) => reload.update(|n| *n += 1),
        Some(Err(err)) => {
            send_error.set(Some(err));
            // Send saved the fields before it refused: carry on from that revision.
            leptos::task::spawn_local(async move {
                if let Ok(fresh) = compose(id).await {
                    revision.set(fresh.revision);
                }
            });
        }
        None => {}
    });

    // Autosave: one save at a time; edits during a save queue one more.
    let generation = StoredValue::new(0u32);
    let in_flight = StoredValue::new(false);
    let again = StoredValue::new(false);
    let save_now = move || {
        fn run(
            id: i64,
            fields: [RwSignal<String>; 5],
            mailbox: RwSignal<i64>,
            revision: RwSignal<i64>,
            saving: RwSignal<Saving>,
            in_flight: StoredValue<bool>,
            again: StoredValue<bool>,
        ) {
            if in_flight.get_value() {
                again.set_value(true);
                return;
            }
            in_flight.set_value(true);
            saving.set(Saving::Busy);
            let [to, cc, bcc, subject, body] = fields.map(|s| s.get_untracked());
            let (mailbox_id, rev) = (mailbox.get_untracked(), revision.get_untracked());
            leptos::task::spawn_local(async move {
                let result =
                    save_draft(id, mailbox_id, to, cc, bcc, subject, body, None, Some(rev)).await;
                in_flight.set_value(false);
                match result {
                    Ok(view) => {
                        revision.set(view.revision);
                        saving.set(Saving::Saved(view.updated_at));
                        if again.get_value() {
                            again.set_value(false);
                            run(id, fields, mailbox, revision, saving, in_flight, again);
                        }
                    }
                    Err(err) => {
                        again.set_value(false);
                        saving.set(Saving::Failed(err));
                    }
                }
            });
        }
        generation.update_value(|g| *g = g.wrapping_add(1));
        run(
            id,
            [to, cc, bcc, subject, body],
            mailbox,
            revision,
            saving,
            in_flight,
            again,
        );
    };
    let edited = move || {
        generation.update_value(|g| *g = g.wrapping_add(1));
        let mine = generation.get_value();
        set_timeout(
            move || {
                if generation.get_value() == mine {
                    save_now();
                }
            },
            AUTOSAVE_AFTER,
        );
    };
    // **Attach** pressed (hydrated): the attachments part uploads the chosen files.
    let attach = RwSignal::new(0u32);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let intent = ev
            .submitter()
            .and_then(|b| b.get_attribute("data-intent"))
            .unwrap_or_default();
        if intent == "save" {
            save_now();
            return;
        }
        if intent == "attach" {
            attach.update(|n| *n = n.wrapping_add(1));
            return;
        }
        // Sending saves too: no separate autosave may race it.
        generation.update_value(|g| *g = g.wrapping_add(1));
        send_error.set(None);
        send.dispatch(SendDraft {
            draft: id,
            mailbox: mailbox.get_untracked(),
            to: to.get_untracked(),
            cc: cc.get_untracked(),
            bcc: bcc.get_untracked(),
            subject: subject.get_untracked(),
            body: body.get_untracked(),
            // Chosen on the form, it was saved at once.
            undo_seconds: None,
        });
    };

    let title = match v.kind {
        ComposeKind::New => t_string!(i18n, compose_new),
        ComposeKind::Reply => t_string!(i18n, compose_reply),
        ComposeKind::ReplyAll => t_string!(i18n, compose_reply_all),
        ComposeKind::Forward => t_string!(i18n, compose_forward),
    }
    .to_string();
    let send_label = if v.state == SendState::Unconfirmed {
        t_string!(i18n, send_again_anyway).to_string()
    } else {
        t_string!(i18n, send).to_string()
    };
    let form_id = format!("compose-{id}");
    let discard_id = format!("discard-{id}");
    let senders = v.senders.clone();
    let chosen = f.mailbox_id;
    let initial_body = f.body.clone();
    // A no-JS save comes back to the page with `__err`, a send too: show either.
    let posted_error = Signal::derive(move || {
        send_error
            .get()
            .or_else(|| action_error(send).get())
            .or_else(|| action_error(save).get())
    });
    view! {
        <h1>{title}</h1>
        <StateBanner v=v.clone() reload/>
        <div class="compose" data-draft=id data-state=v.state.as_str()>
            <form id=form_id.clone() method="post" action=SendDraft::url() class="compose-form" on:submit=on_submit>
                <input type="hidden" name="draft" value=id/>
                <input type="hidden" name="revision" value=v.revision/>
                <fieldset disabled=!editable>
                    <label class="compose-row">
                        <span>{t!(i18n, compose_from)}</span>
                        <select name="mailbox" on:change=move |ev| {
                            if let Ok(m) = event_target_value(&ev).parse() {
                                mailbox.set(m);
                                edited();
                            }
                        }>
                            {senders.into_iter().map(|s| {
                                let label = if s.name.is_empty() { s.email.clone() } else { format!("{} <{}>", s.name, s.email) };
                                view! { <option value=s.mailbox_id selected=s.mailbox_id == chosen>{label}</option> }
                            }).collect_view()}
                        </select>
                    </label>
                    <AddressField name="to" label=t_string!(i18n, to_label).to_string() initial=f.to.clone() value=to on_edit=Callback::new(move |()| edited())/>
                    <AddressField name="cc" label=t_string!(i18n, cc_label).to_string() initial=f.cc.clone() value=cc on_edit=Callback::new(move |()| edited())/>
                    <AddressField name="bcc" label=t_string!(i18n, bcc_label).to_string() initial=f.bcc.clone() value=bcc on_edit=Callback::new(move |()| edited())/>
                    <label class="compose-row">
                        <span>{t!(i18n, subject_label)}</span>
                        <input type="text" name="subject" value=f.subject.clone() maxlength="1000" on:input=move |ev| {
                            subject.set(event_target_value(&ev));
                            edited();
                        }/>
                    </label>
                    <label class="compose-body">
                        <span class="visually-hidden">{t!(i18n, body_label)}</span>
                        <textarea name="body" rows="16" on:input=move |ev| {
                            body.set(event_target_value(&ev));
                            edited();
                        }>{initial_body}</textarea>
                    </label>
                </fieldset>
                <FormError error=posted_error/>
                <SaveStatus saving reload/>
                {editable.then(|| view! {
                    <div class="compose-buttons">
                        <button type="submit" class="primary" data-intent="send" disabled=move || send.pending().get()>{send_label.clone()}</button>
                        <button type="submit" data-intent="save" formaction=SaveDraft::url()>{t!(i18n, save_draft)}</button>
                        <button type="submit" form=discard_id.clone() class="danger">{t!(i18n, discard)}</button>
                    </div>
                })}
            </form>
            <ActionForm action=discard attr:id=discard_id.clone() attr:class="visually-hidden-form">
                <input type="hidden" name="draft" value=id/>
            </ActionForm>
            <FormError error=action_error(discard)/>
            <Attachments v=v.clone() editable upload_error attach form=form_id.clone()/>
            {editable.then(|| view! { <UndoDelay seconds=v.undo_seconds form=form_id.clone()/> })}
        </div>
    }
}

/// "Saved 14:05", "Saving…", or why not (the text stays in the form).
#[component]
fn SaveStatus(saving: RwSignal<Saving>, reload: RwSignal<u32>) -> impl IntoView {
    let i18n = use_i18n();
    move || {
        match saving.get() {
        Saving::Idle => ().into_any(),
        Saving::Busy => view! { <p class="save-status muted" role="status">{t!(i18n, saving)}</p> }.into_any(),
        Saving::Saved(at) => view! {
            <p class="save-status muted" role="status">{t!(i18n, saved_at)} " " <LocalTime at/></p>
        }
        .into_any(),
        Saving::Failed(AppError::DraftChanged) => view! {
            <div class="form-error" role="alert">
                <p>{t!(i18n, err_draft_changed)}</p>
                <button type="button" on:click=move |_| reload.update(|n| *n += 1)>{t!(i18n, reload_draft)}</button>
            </div>
        }
        .into_any(),
        Saving::Failed(err) => view! {
            <p class="form-error" role="alert">{t!(i18n, save_failed)} " " {error_text(i18n, &err)}</p>
        }
        .into_any(),
    }
    }
}
