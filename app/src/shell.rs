use crate::{
    i18n::*,
    i18n_setup::LANGUAGE_COOKIE,
    pages::{
        AccountsPage, ComposePage, ConnectPage, ConnectProviderPage, ConnectSetupPage, CrmCardPage,
        CrmDeletePage, CrmEditPage, CrmListPage, CrmNewPage, DisconnectPage, DraftPage, DraftsPage,
        LogInPage, MailPage, MailScreenPage, MailboxSettingsPage, MembersPage, NotFound, PlanPage,
        SignUpPage, WorkspaceLayout,
    },
};
use leptos::prelude::*;
use leptos_i18n::context::CookieOptions;
use leptos_meta::{MetaTags, Stylesheet, Title, provide_meta_context};
use leptos_router::{
    SsrMode,
    components::{ParentRoute, Route, Router, Routes},
    path,
};

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Routes. Every page renders fully on the server before it is sent (`SsrMode::Async`),
/// so the read path works with JavaScript off and redirects can still set the status.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: tests wait for this mark.
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    let cookie_options = CookieOptions::<Locale>::default()
        .path("/")
        .max_age(365 * 24 * 3600 * 1000_i64);
    view! {
        <Stylesheet id="leptos" href="/pkg/app.css"/>
        <Title formatter=|page: String| format!("{page} · Mail")/>
        <I18nContextProvider cookie_name=LANGUAGE_COOKIE cookie_options>
            <Router>
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view=LogInPage ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view=SignUpPage ssr=SsrMode::Async/>
                    <ParentRoute path=path!("") view=WorkspaceLayout ssr=SsrMode::Async>
                        <Route path=path!("") view=MailPage ssr=SsrMode::Async/>
                        <Route path=path!("mail") view=MailPage ssr=SsrMode::Async/>
                        <Route path=path!("mail/connect") view=ConnectPage ssr=SsrMode::Async/>
                        <Route path=path!("mail/inbox") view=MailScreenPage ssr=SsrMode::Async/>
                        <Route path=path!("mail/search") view=MailScreenPage ssr=SsrMode::Async/>
                        <Route path=path!("mail/:mailbox/folders/:folder") view=MailScreenPage ssr=SsrMode::Async/>
                        <Route path=path!("mail/compose") view=ComposePage ssr=SsrMode::Async/>
                        <Route path=path!("mail/drafts") view=DraftsPage ssr=SsrMode::Async/>
                        <Route path=path!("mail/drafts/:id") view=DraftPage ssr=SsrMode::Async/>
                        <Route path=path!("mail/connect/setup/:draft") view=ConnectSetupPage ssr=SsrMode::Async/>
                        <Route path=path!("mail/connect/:provider") view=ConnectProviderPage ssr=SsrMode::Async/>
                        <Route path=path!("mail/accounts") view=AccountsPage ssr=SsrMode::Async/>
                        <Route path=path!("mail/accounts/:id/settings") view=MailboxSettingsPage ssr=SsrMode::Async/>
                        <Route path=path!("mail/accounts/:id/disconnect") view=DisconnectPage ssr=SsrMode::Async/>
                        <Route path=path!("crm") view=CrmListPage ssr=SsrMode::Async/>
                        <Route path=path!("crm/:kind") view=CrmListPage ssr=SsrMode::Async/>
                        <Route path=path!("crm/:kind/new") view=CrmNewPage ssr=SsrMode::Async/>
                        <Route path=path!("crm/:kind/:id") view=CrmCardPage ssr=SsrMode::Async/>
                        <Route path=path!("crm/:kind/:id/edit") view=CrmEditPage ssr=SsrMode::Async/>
                        <Route path=path!("crm/:kind/:id/delete") view=CrmDeletePage ssr=SsrMode::Async/>
                        <Route path=path!("members") view=MembersPage ssr=SsrMode::Async/>
                        <Route path=path!("plan") view=PlanPage ssr=SsrMode::Async/>
                    </ParentRoute>
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}
