use super::UserResource;
use crate::json_resource::json_resource;
use crate::{
    api::members::{AddMember, list_members},
    components::{FormError, PageTitle},
    i18n::*,
    i18n_setup::{action_error, error_text},
};
use domain::Role;
use leptos::prelude::*;

/// Workspace members; admins add new ones here.
#[component]
pub fn MembersPage() -> impl IntoView {
    let i18n = use_i18n();
    let UserResource(user) = expect_context();
    let add = ServerAction::<AddMember>::new();
    let members = json_resource(move || add.version().get(), |_| list_members());
    let role_name = move |role: Role| match role {
        Role::Admin => t_string!(i18n, role_admin).to_string(),
        Role::Member => t_string!(i18n, role_member).to_string(),
    };
    view! {
        <PageTitle text=|i18n| t_string!(i18n, members_title).to_string()/>
        <h1>{t!(i18n, members_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                match members.await {
                    Ok(rows) => view! {
                        <table class="members">
                            <thead>
                                <tr>
                                    <th scope="col">{t!(i18n, name)}</th>
                                    <th scope="col">{t!(i18n, email)}</th>
                                    <th scope="col">{t!(i18n, role)}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {rows.into_iter().map(|m| view! {
                                    <tr>
                                        <td>{m.name}</td>
                                        <td>{m.email}</td>
                                        <td>{move || role_name(m.role)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                    Err(err) => view! { <p role="alert">{error_text(i18n, &err)}</p> }.into_any(),
                }
            })}
        </Suspense>
        <Suspense>
            {move || Suspend::new(async move {
                let is_admin = user.await.map(|u| u.is_admin()).unwrap_or(false);
                if is_admin {
                    view! { <AddMemberForm add/> }.into_any()
                } else {
                    view! { <p class="note">{t!(i18n, members_admin_only)}</p> }.into_any()
                }
            })}
        </Suspense>
    }
}

#[component]
fn AddMemberForm(add: ServerAction<AddMember>) -> impl IntoView {
    let i18n = use_i18n();
    let added = move || matches!(add.value().get(), Some(Ok(_)));
    view! {
        <section class="card">
            <h2>{t!(i18n, members_add_title)}</h2>
            <ActionForm action=add attr:class="inline-form">
                <label>
                    {t!(i18n, name)}
                    <input type="text" name="name" required maxlength="120"/>
                </label>
                <label>
                    {t!(i18n, email)}
                    <input type="email" name="email" required/>
                </label>
                <label>
                    {t!(i18n, password)}
                    <input type="password" name="password" required minlength="8" autocomplete="new-password"/>
                </label>
                <label>
                    {t!(i18n, role)}
                    <select name="role">
                        <option value="member">{t!(i18n, role_member)}</option>
                        <option value="admin">{t!(i18n, role_admin)}</option>
                    </select>
                </label>
                <button type="submit" class="primary">{t!(i18n, members_add_submit)}</button>
            </ActionForm>
            <FormError error=action_error(add)/>
            <Show when=added>
                <p class="form-ok" role="status">{t!(i18n, members_added)}</p>
            </Show>
        </section>
    }
}
