use super::{FormError, poll::use_poll};
use crate::json_resource::json_resource;
use crate::{
    api::mail::{ResyncFrom, SyncNow, sync_progress},
    i18n::*,
    i18n_setup::{action_error, error_text},
    pages::status_text,
};
use domain::{FolderProgress, SyncPhase, SyncProgress};
use leptos::prelude::*;

/// A mailbox's sync, live: status, last and next run, last error, and per folder the
/// phase, "n of m" and a progress bar linking to the folder's messages. With **Sync now**
/// and **Re-sync from date** unless `actions` is false.
#[component]
pub fn SyncProgressPanel(mailbox: i64, #[prop(default = true)] actions: bool) -> impl IntoView {
    let i18n = use_i18n();
    let sync_now = ServerAction::<SyncNow>::new();
    let resync = ServerAction::<ResyncFrom>::new();
    let last_active = RwSignal::new(true);
    // The interval may fire once more after the panel is gone: never panic reading it.
    let tick = use_poll(move || last_active.try_get_untracked().unwrap_or(false));
    let progress = json_resource(
        move || (tick.get(), sync_now.version().get(), resync.version().get()),
        move |_| sync_progress(mailbox),
    );
    view! {
        <section class="sync-panel card" data-mailbox-id=mailbox>
            <Transition fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
                {move || Suspend::new(async move {
                    match progress.await {
                        Ok(p) => {
                            last_active.set(p.active());
                            view! { <ProgressBody p compact=!actions/> }.into_any()
                        }
                        Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                    }
                })}
            </Transition>
            <Show when=move || actions>
            <div class="sync-actions">
                <ActionForm action=sync_now attr:class="inline-form">
                    <input type="hidden" name="mailbox" value=mailbox/>
                    <button type="submit">{t!(i18n, sync_now)}</button>
                </ActionForm>
                <ActionForm action=resync attr:class="inline-form">
                    <input type="hidden" name="mailbox" value=mailbox/>
                    <label>
                        {t!(i18n, resync_from)}
                        <input type="date" name="date" required/>
                    </label>
                    <button type="submit">{t!(i18n, resync_start)}</button>
                </ActionForm>
            </div>
            <FormError error=action_error(sync_now)/>
            <FormError error=action_error(resync)/>
            </Show>
        </section>
    }
}

/// `compact`: only the folder lines (Connected accounts shows the rest in its table).
#[component]
fn ProgressBody(p: SyncProgress, compact: bool) -> impl IntoView {
    let i18n = use_i18n();
    let when = |t: Option<domain::Timestamp>| t.map(domain::Timestamp::minute_text);
    let status = p.status;
    let mailbox = p.mailbox_id;
    let folders = view! {
        <ul class="folder-progress">
            {p.folders.into_iter().map(|f| view! { <FolderLine mailbox f/> }).collect_view()}
        </ul>
    };
    if compact {
        return folders.into_any();
    }
    let email =
        (p.email != p.name).then(|| view! { " " <span class="muted">{p.email.clone()}</span> });
    view! {
        <h2>{p.name.clone()} {email}</h2>
        <p>
            <span class="status" data-status=status.as_str()>{move || status_text(i18n, status)}</span>
            " · " {t!(i18n, col_last_sync)} ": " {when(p.last_sync_at).unwrap_or_else(|| t_string!(i18n, never).to_string())}
            " · " {t!(i18n, col_next_sync)} ": " {when(p.next_sync_at).unwrap_or_default()}
        </p>
        {p.last_error.clone().map(|e| view! { <p class="notice" role="note">{t!(i18n, last_error)} ": " {e}</p> })}
        {p.quota_reached.then(|| view! { <p class="notice" role="note" data-quota="reached">{t!(i18n, quota_reached)}</p> })}
        {folders}
    }
    .into_any()
}

#[component]
fn FolderLine(mailbox: i64, f: FolderProgress) -> impl IntoView {
    let i18n = use_i18n();
    let percent = f.percent();
    let phase = f.phase;
    let phase_text = move || match phase {
        Some(SyncPhase::Headers) => t_string!(i18n, phase_headers).to_string(),
        Some(SyncPhase::Bodies) => t_string!(i18n, phase_bodies).to_string(),
        Some(SyncPhase::Done) => t_string!(i18n, phase_done).to_string(),
        None => t_string!(i18n, phase_waiting).to_string(),
    };
    let counts = format!("{} / {}", f.headers_done.min(f.in_range), f.in_range);
    let bodies = format!("{} / {}", f.bodies_done.min(f.in_range), f.in_range);
    view! {
        <li data-folder=f.name.clone()>
            <a href=format!("/mail/{mailbox}/folders/{}", f.id)>{f.name.clone()}</a>
            " "
            <progress max="100" value=percent aria-label=f.name.clone()>{percent} "%"</progress>
            " "
            <span class="phase">{phase_text}</span>
            " · " {t!(i18n, phase_headers)} " " <span class="counts" title=move || t_string!(i18n, headers_of).to_string()>{counts}</span>
            " · " {t!(i18n, phase_bodies)} " " <span class="bodies" title=move || t_string!(i18n, bodies_of).to_string()>{bodies}</span>
            {f.last_error.map(|e| view! { <span class="notice">" " {e}</span> })}
        </li>
    }
}
