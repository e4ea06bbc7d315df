use crate::i18n::*;
use domain::{Access, CrmMode, FolderChoice, MailboxSettings, MemberView, Plan, SyncPeriod};
use leptos::prelude::*;
use leptos_i18n::I18nContext;

/// Step C of the wizard and the Settings page: names, access, CRM links, period, folders.
/// Inputs are named `settings[...]` (the server function's `SyncSettingsForm`). Shared
/// access and CRM links are shown disabled, with the reason, on the Free plan.
#[component]
pub fn SyncSettingsFields(
    plan: Plan,
    me: i64,
    members: Vec<MemberView>,
    folders: Vec<FolderChoice>,
    initial: MailboxSettings,
) -> impl IntoView {
    let i18n = use_i18n();
    let paid = plan.allows_shared_access();
    let others: Vec<MemberView> = members.into_iter().filter(|m| m.id != me).collect();
    let access = initial.access;
    let crm = initial.crm_mode;
    let create = initial.crm_create;
    let grantees = initial.grantees.clone();
    let period_label = move |p: SyncPeriod| match p {
        SyncPeriod::Week => t_string!(i18n, period_7d).to_string(),
        SyncPeriod::Month => t_string!(i18n, period_1m).to_string(),
        SyncPeriod::Quarter => t_string!(i18n, period_3m).to_string(),
        SyncPeriod::Year => t_string!(i18n, period_1y).to_string(),
    };
    let crm_label = move |m: CrmMode| match m {
        CrmMode::Off => t_string!(i18n, crm_off).to_string(),
        CrmMode::Manual => t_string!(i18n, crm_manual).to_string(),
        CrmMode::Automatic => t_string!(i18n, crm_automatic).to_string(),
    };
    let crm_box = move |name: &'static str,
                        checked: bool,
                        label: fn(I18nContext<Locale>) -> String| {
        view! {
            <label class="check">
                <input type="checkbox" name=format!("settings[{name}]") checked=checked disabled=!paid/>
                {move || label(i18n)}
            </label>
        }
    };
    view! {
        <label>
            {t!(i18n, sender_name)}
            <input type="text" name="settings[sender_name]" required maxlength="120" value=initial.sender_name.clone()/>
        </label>
        <label>
            {t!(i18n, mailbox_name)}
            <input type="text" name="settings[mailbox_name]" required maxlength="120" value=initial.mailbox_name.clone()/>
        </label>
        <fieldset class="choice">
            <legend>{t!(i18n, access_level)}</legend>
            <label class="check">
                <input type="radio" name="settings[access]" value="personal" checked=access == Access::Personal/>
                {t!(i18n, access_personal)} " — " {t!(i18n, access_personal_hint)}
            </label>
            <label class="check">
                <input type="radio" name="settings[access]" value="shared" checked=access == Access::Shared disabled=!paid/>
                {t!(i18n, access_shared)} " — " {t!(i18n, access_shared_hint)}
            </label>
            {(!paid).then(|| view! { <p class="note plan-note">{t!(i18n, paid_only)}</p> })}
            <fieldset class="grantees" disabled=!paid>
                <legend>{t!(i18n, share_with)}</legend>
                {if others.is_empty() {
                    view! { <p class="note">{t!(i18n, no_one_to_share)}</p> }.into_any()
                } else {
                    others.into_iter().enumerate().map(|(i, m)| view! {
                        <label class="check">
                            <input type="checkbox" name=format!("settings[grantees][{i}]") value=m.id.to_string() checked=grantees.contains(&m.id)/>
                            {m.name} " (" {m.email} ")"
                        </label>
                    }).collect_view().into_any()
                }}
            </fieldset>
        </fieldset>
        <fieldset class="choice">
            <legend>{t!(i18n, crm_links)}</legend>
            {CrmMode::ALL.iter().copied().map(|m| view! {
                <label class="check">
                    <input type="radio" name="settings[crm_mode]" value=m.as_str() checked=m == crm disabled=!paid && m != CrmMode::Off/>
                    {move || crm_label(m)}
                </label>
            }).collect_view()}
            {crm_box("crm_leads_in", create.leads_from_incoming, |i18n| t_string!(i18n, crm_leads_in).to_string())}
            {crm_box("crm_contacts_in", create.contacts_from_incoming, |i18n| t_string!(i18n, crm_contacts_in).to_string())}
            {crm_box("crm_leads_out", create.leads_from_outgoing, |i18n| t_string!(i18n, crm_leads_out).to_string())}
            {crm_box("crm_contacts_out", create.contacts_from_outgoing, |i18n| t_string!(i18n, crm_contacts_out).to_string())}
            {(!paid).then(|| view! { <p class="note plan-note">{t!(i18n, paid_only)}</p> })}
        </fieldset>
        <label>
            {t!(i18n, period)}
            <select name="settings[period]">
                {SyncPeriod::ALL.iter().copied().map(|p| view! {
                    <option value=p.as_str() selected=p == initial.period>{move || period_label(p)}</option>
                }).collect_view()}
            </select>
        </label>
        <fieldset class="folders">
            <legend>{t!(i18n, folders)}</legend>
            {folders.into_iter().enumerate().map(|(i, f)| view! {
                <label class=format!("check folder depth-{}", f.depth.min(6))>
                    <input type="checkbox" name=format!("settings[folders][{i}]") value=f.name.clone() checked=f.selected/>
                    {f.display_name.rsplit('/').next().unwrap_or_default().to_owned()}
                    {f.special_use.map(|s| view! { <small class="special-use">{s}</small> })}
                </label>
            }).collect_view()}
        </fieldset>
    }
}
