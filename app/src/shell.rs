use crate::{
    i18n::*,
    i18n_setup::LANGUAGE_COOKIE,
    pages::{
        AccountsRoute, ComposeRoute, ConnectProviderRoute, ConnectRoute, ConnectSetupRoute,
        CrmCardRoute, CrmDeleteRoute, CrmEditRoute, CrmListRoute, CrmNewRoute, DisconnectRoute,
        DraftRoute, DraftsRoute, LogInRoute, MailRoute, MailScreenRoute, MailboxSettingsRoute,
        MembersRoute, NotFound, PlanRoute, SignUpRoute, WorkspaceLayout,
    },
};
use leptos::prelude::*;
use leptos_i18n::context::CookieOptions;
use leptos_meta::{MetaTags, Stylesheet, provide_meta_context};
use leptos_router::{
    Lazy, SsrMode,
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
    // The browser marks the body `data-hydrated` once the whole page, its lazily loaded
    // page included, is hydrated (frontend/src/lib.rs).
    let cookie_options = CookieOptions::<Locale>::default()
        .path("/")
        .max_age(365 * 24 * 3600 * 1000_i64);
    view! {
        <Stylesheet id="leptos" href="/pkg/app.css"/>
        <I18nContextProvider cookie_name=LANGUAGE_COOKIE cookie_options>
            <Router>
                <Routes fallback=NotFound>
                    <Route path=path!("/login") view={Lazy::<LogInRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/signup") view={Lazy::<SignUpRoute>::new()} ssr=SsrMode::Async/>
                    <ParentRoute path=path!("") view=WorkspaceLayout ssr=SsrMode::Async>
                        <Route path=path!("") view={Lazy::<MailRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail") view={Lazy::<MailRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/connect") view={Lazy::<ConnectRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/inbox") view={Lazy::<MailScreenRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/search") view={Lazy::<MailScreenRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/:mailbox/folders/:folder") view={Lazy::<MailScreenRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/compose") view={Lazy::<ComposeRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/drafts") view={Lazy::<DraftsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/drafts/:id") view={Lazy::<DraftRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/connect/setup/:draft") view={Lazy::<ConnectSetupRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/connect/:provider") view={Lazy::<ConnectProviderRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/accounts") view={Lazy::<AccountsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/accounts/:id/settings") view={Lazy::<MailboxSettingsRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("mail/accounts/:id/disconnect") view={Lazy::<DisconnectRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("crm") view={Lazy::<CrmListRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("crm/:kind") view={Lazy::<CrmListRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("crm/:kind/new") view={Lazy::<CrmNewRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("crm/:kind/:id") view={Lazy::<CrmCardRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("crm/:kind/:id/edit") view={Lazy::<CrmEditRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("crm/:kind/:id/delete") view={Lazy::<CrmDeleteRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("members") view={Lazy::<MembersRoute>::new()} ssr=SsrMode::Async/>
                        <Route path=path!("plan") view={Lazy::<PlanRoute>::new()} ssr=SsrMode::Async/>
                    </ParentRoute>
                </Routes>
            </Router>
        </I18nContextProvider>
    }
}
