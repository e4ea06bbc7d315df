use crate::json_resource::{JsonResource, json_resource};
use crate::{
    api::auth::current_user,
    components::{SideNav, TopBar},
    error::AppError,
    i18n::*,
    i18n_setup::error_text,
};
use domain::CurrentUser;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};

/// The signed-in user, loaded once per visit of the workspace and shared with its pages.
#[derive(Clone, Copy)]
pub struct UserResource(pub JsonResource<Result<CurrentUser, AppError>>);

/// The app shell: top bar, navigation and the page.
#[component]
pub fn WorkspaceLayout() -> impl IntoView {
    let i18n = use_i18n();
    let user = json_resource(|| (), |_| current_user());
    provide_context(UserResource(user));
    view! {
        <div class="app-shell">
            <Suspense fallback=move || view! { <header class="top-bar">{t!(i18n, loading)}</header> }>
                {move || Suspend::new(async move {
                    match user.await {
                        Ok(user) => view! { <TopBar user/> }.into_any(),
                        Err(AppError::NotSignedIn) => view! { <Redirect path="/login"/> }.into_any(),
                        Err(err) => view! {
                            <header class="top-bar"><p role="alert">{error_text(i18n, &err)}</p></header>
                        }.into_any(),
                    }
                })}
            </Suspense>
            <div class="workspace">
                <SideNav/>
                <main class="page">
                    <Outlet/>
                </main>
            </div>
        </div>
    }
}
