//! Pages the browser loads when they are first shown. The pages come in groups that are
//! used together, and each group is a split point (`#[lazy]`): scripts/build cuts the
//! group's code out of the main wasm module into chunks of its own, so opening the app
//! downloads the shell, the router and the workspace frame, and then only the groups whose
//! pages are actually visited. Few groups rather than one per page: every set of groups
//! that shares code gets a chunk of its own, and a page per split point made some 300
//! chunks, up to 178 requests for one page.
//!
//! The server renders every page whole as before and names the chunks the rendered page
//! needs in its head, so the browser preloads them beside the main module; with JavaScript
//! off nothing changes.

use super::{
    AccountsPage, ComposePage, ConnectPage, ConnectProviderPage, ConnectSetupPage, CrmCardPage,
    CrmDeletePage, CrmEditPage, CrmListPage, CrmNewPage, DisconnectPage, DraftPage, DraftsPage,
    LogInPage, MailPage, MailScreenPage, MailboxSettingsPage, MembersPage, PlanPage, SignUpPage,
};
use leptos::{lazy, prelude::*};
use leptos_router::LazyRoute;

/// `group / preload_group: Pages { route => page, … }`: the lazily loaded function `group`
/// that renders one of its pages, and for each page a route type whose view it is.
/// `preload_group` is the function `#[lazy]` makes beside `group` (`__preload_<group>`, in
/// the browser only) that loads the group's chunks without rendering: the router awaits it
/// before it hydrates or shows a page, so the page's view is ready when it is walked.
macro_rules! on_demand {
    ($($group:ident / $preload:ident: $pages:ident { $($route:ident => $page:ident,)* })*) => {$(
        #[derive(Clone, Copy)]
        #[allow(clippy::enum_variant_names)]
        enum $pages {
            $($page,)*
        }

        #[lazy]
        fn $group(page: $pages) -> AnyView {
            match page {
                $($pages::$page => view! { <$page/> }.into_any(),)*
            }
        }

        $(
            #[doc = concat!("The route of [`", stringify!($page), "`], loaded on demand with the `",
                stringify!($group), "` group.")]
            pub struct $route;

            impl LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                async fn view(_route: Self) -> AnyView {
                    #[cfg(feature = "ssr")]
                    preload_in_head(stringify!($group));
                    $group($pages::$page).await
                }

                async fn preload() {
                    #[cfg(target_arch = "wasm32")]
                    $preload().await;
                }
            }
        )*
    )*};
}

on_demand! {
    signing_in / __preload_signing_in: SigningInPages {
        LogInRoute => LogInPage,
        SignUpRoute => SignUpPage,
    }
    reading / __preload_reading: ReadingPages {
        MailRoute => MailPage,
        MailScreenRoute => MailScreenPage,
    }
    writing / __preload_writing: WritingPages {
        ComposeRoute => ComposePage,
        DraftsRoute => DraftsPage,
        DraftRoute => DraftPage,
    }
    mailboxes / __preload_mailboxes: MailboxPages {
        ConnectRoute => ConnectPage,
        ConnectProviderRoute => ConnectProviderPage,
        ConnectSetupRoute => ConnectSetupPage,
        AccountsRoute => AccountsPage,
        MailboxSettingsRoute => MailboxSettingsPage,
        DisconnectRoute => DisconnectPage,
    }
    crm / __preload_crm: CrmPages {
        CrmListRoute => CrmListPage,
        CrmNewRoute => CrmNewPage,
        CrmCardRoute => CrmCardPage,
        CrmEditRoute => CrmEditPage,
        CrmDeleteRoute => CrmDeletePage,
    }
    workspace / __preload_workspace: WorkspacePages {
        MembersRoute => MembersPage,
        PlanRoute => PlanPage,
    }
}

/// On the server: asks the browser, in the page's head, to fetch the chunks of `group`
/// beside the main module (`<link rel="preload">`, from the manifest scripts/build wrote).
/// Leptos does this itself for the lazy functions a page called, but reads that list before
/// some nested pages (`/mail`, `/plan`) have rendered and then leaves it out; registering
/// the links with leptos_meta while the page renders, like its title, always lands them.
/// The manifest names each split point `<function>_<hash>`.
#[cfg(feature = "ssr")]
fn preload_in_head(group: &str) {
    use leptos_meta::Link;
    let Some(manifest) = use_context::<leptos::WasmSplitManifest>() else {
        return;
    };
    let Some(manifest) = manifest.0.try_read_value() else {
        return;
    };
    let (pkg, chunks_of, _) = &*manifest;
    let Some(chunks) = chunks_of.iter().find_map(|(name, chunks)| {
        let hash = name.strip_prefix(group)?.strip_prefix('_')?;
        hash.bytes().all(|b| b.is_ascii_digit()).then_some(chunks)
    }) else {
        return;
    };
    // The `crossorigin` leptos gives its own preloads (any value means anonymous CORS), so
    // the loader's fetch of the chunk reuses the preloaded answer.
    let nonce = leptos::nonce::use_nonce()
        .map(|n| n.to_string())
        .unwrap_or_default();
    for chunk in chunks {
        // `to_html` of a leptos_meta element registers it for the head; it writes nothing here.
        let _ = view! {
            <Link rel="preload" href=format!("{pkg}/{chunk}.wasm") as_="fetch"
                type_="application/wasm" crossorigin=nonce.clone()/>
        }
        .to_html();
    }
}
