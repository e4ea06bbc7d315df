//! Pages the browser loads when they are first shown. Each route below is a split point
//! (`#[lazy_route]`): scripts/build cuts the page's own code out of the main wasm module
//! into a chunk of its own, so opening the app downloads the shell, the router and the
//! workspace frame, and then only the pages that are actually visited. The server renders
//! every page whole as before and names the chunks the rendered page needs, so the browser
//! preloads them beside the main module; with JavaScript off nothing changes.

use super::{
    AccountsPage, ComposePage, ConnectPage, ConnectProviderPage, ConnectSetupPage, CrmCardPage,
    CrmDeletePage, CrmEditPage, CrmListPage, CrmNewPage, DisconnectPage, DraftPage, DraftsPage,
    LogInPage, MailPage, MailScreenPage, MailboxSettingsPage, MembersPage, PlanPage, SignUpPage,
};
use leptos::prelude::*;
use leptos_router::{LazyRoute, lazy_route};

/// `route => page`: a route type whose view is the page, loaded on demand.
macro_rules! on_demand {
    ($($route:ident => $page:ident,)*) => {$(
        #[doc = concat!("The route of [`", stringify!($page), "`], loaded on demand.")]
        pub struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_route: Self) -> AnyView {
                view! { <$page/> }.into_any()
            }
        }
    )*};
}

on_demand! {
    LogInRoute => LogInPage,
    SignUpRoute => SignUpPage,
    MailRoute => MailPage,
    MailScreenRoute => MailScreenPage,
    ConnectRoute => ConnectPage,
    ConnectProviderRoute => ConnectProviderPage,
    ConnectSetupRoute => ConnectSetupPage,
    ComposeRoute => ComposePage,
    DraftsRoute => DraftsPage,
    DraftRoute => DraftPage,
    AccountsRoute => AccountsPage,
    MailboxSettingsRoute => MailboxSettingsPage,
    DisconnectRoute => DisconnectPage,
    CrmListRoute => CrmListPage,
    CrmNewRoute => CrmNewPage,
    CrmCardRoute => CrmCardPage,
    CrmEditRoute => CrmEditPage,
    CrmDeleteRoute => CrmDeletePage,
    MembersRoute => MembersPage,
    PlanRoute => PlanPage,
}
