use crate::i18n::*;
use domain::{Provider, ServerAddress};
use leptos::prelude::*;

/// Step B: IMAP and SMTP servers, pre-filled per provider (or with what discovery found
/// for an own domain) and always editable. Folded under "Servers" until needed.
#[component]
pub fn ServerFields(
    provider: Provider,
    /// Servers discovered for the domain, to confirm.
    #[prop(into)]
    suggested: Signal<Option<(ServerAddress, ServerAddress)>>,
) -> impl IntoView {
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
        let current = Signal::derive(move || {
            suggested
                .get()
                .map(|(imap, smtp)| if prefix == "imap" { imap } else { smtp })
                .or_else(|| preset.clone())
        });
        let host = move || current.get().map(|s| s.host).unwrap_or_default();
        let port = move || {
            current
                .get()
                .map(|s| s.port.to_string())
                .unwrap_or_default()
        };
        let security = move || current.get().map(|s| s.security.as_str()).unwrap_or("");
        view! {
            <fieldset class="server-fields" data-server=prefix>
                <legend>{legend}</legend>
                <label class="host">
                    {t!(i18n, host)}
                    <input type="text" name=format!("{prefix}_host") value=host prop:value=host
                        autocomplete="off" spellcheck="false" aria-label=move || format!("{} {}", legend(), t_string!(i18n, host))/>
                </label>
                <label class="port">
                    {t!(i18n, port)}
                    <input type="text" inputmode="numeric" name=format!("{prefix}_port") value=port prop:value=port
                        aria-label=move || format!("{} {}", legend(), t_string!(i18n, port))/>
                </label>
                <label class="security">
                    {t!(i18n, security)}
                    <select name=format!("{prefix}_security") aria-label=move || format!("{} {}", legend(), t_string!(i18n, security))>
                        <option value="" selected=move || security().is_empty()>{t!(i18n, security_auto)}</option>
                        <option value="tls" selected=move || security() == "tls">{t!(i18n, security_tls)}</option>
                        <option value="starttls" selected=move || security() == "starttls">{t!(i18n, security_starttls)}</option>
                    </select>
                </label>
            </fieldset>
        }
    };
    view! {
        <details class="servers" open=move || own_domain || suggested.get().is_some()>
            <summary>{t!(i18n, servers)}</summary>
            <p class="note">{move || if own_domain { t_string!(i18n, servers_own_domain_lead).to_string() } else { t_string!(i18n, servers_lead).to_string() }}</p>
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
