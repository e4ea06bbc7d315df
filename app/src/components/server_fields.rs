use crate::i18n::*;
use domain::{Provider, ServerAddress};
use leptos::prelude::*;

/// Step B: IMAP and SMTP servers, pre-filled per provider and always editable. For an
/// own domain they are open and required; for presets they sit folded under "Servers".
#[component]
pub fn ServerFields(provider: Provider) -> impl IntoView {
    let i18n = use_i18n();
    let own_domain = provider == Provider::OwnDomain;
    let server = move |prefix: &'static str, preset: Option<ServerAddress>| {
        let legend = move || {
            if prefix == "imap" {
                t_string!(i18n, imap_server).to_string()
            } else {
                t_string!(i18n, smtp_server).to_string()
            }
        };
        let host = preset.as_ref().map(|s| s.host.clone()).unwrap_or_default();
        let port = preset
            .as_ref()
            .map(|s| s.port.to_string())
            .unwrap_or_default();
        let security = preset.as_ref().map(|s| s.security.as_str()).unwrap_or("");
        view! {
            <fieldset class="server-fields" data-server=prefix>
                <legend>{legend}</legend>
                <label class="host">
                    {t!(i18n, host)}
                    <input type="text" name=format!("{prefix}_host") value=host required=own_domain
                        autocomplete="off" spellcheck="false" aria-label=move || format!("{} {}", legend(), t_string!(i18n, host))/>
                </label>
                <label class="port">
                    {t!(i18n, port)}
                    <input type="text" inputmode="numeric" name=format!("{prefix}_port") value=port
                        aria-label=move || format!("{} {}", legend(), t_string!(i18n, port))/>
                </label>
                <label class="security">
                    {t!(i18n, security)}
                    <select name=format!("{prefix}_security") aria-label=move || format!("{} {}", legend(), t_string!(i18n, security))>
                        <option value="" selected=security.is_empty()>{t!(i18n, security_auto)}</option>
                        <option value="tls" selected=security == "tls">{t!(i18n, security_tls)}</option>
                        <option value="starttls" selected=security == "starttls">{t!(i18n, security_starttls)}</option>
                    </select>
                </label>
            </fieldset>
        }
    };
    view! {
        <details class="servers" open=own_domain>
            <summary>{t!(i18n, servers)}</summary>
            <p class="note">{move || if own_domain { t_string!(i18n, howto_own_domain).to_string().replace('|', " ") } else { t_string!(i18n, servers_lead).to_string() }}</p>
            <small class="note">{t!(i18n, port_hint)}</small>
            {server("imap", provider.imap_preset())}
            {server("smtp", provider.smtp_preset())}
            <details class="smtp-login">
                <summary>{t!(i18n, smtp_own_login)}</summary>
                <label>
                    {t!(i18n, smtp_username)}
                    <input type="text" name="smtp_username" autocomplete="off"/>
                </label>
                <label>
                    {t!(i18n, smtp_password)}
                    <input type="password" name="smtp_password" autocomplete="off"/>
                </label>
            </details>
        </details>
    }
}
