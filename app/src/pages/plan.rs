use super::UserResource;
use crate::{
    api::workspace::SetPlan,
    components::{FormError, PageTitle},
    i18n::*,
    i18n_setup::action_error,
};
use domain::Plan;
use leptos::prelude::*;
use leptos_i18n::I18nContext;

pub fn plan_name(i18n: I18nContext<Locale>, plan: Plan) -> String {
    match plan {
        Plan::Free => t_string!(i18n, plan_free).to_string(),
        Plan::Standard => t_string!(i18n, plan_standard).to_string(),
        Plan::Professional => t_string!(i18n, plan_professional).to_string(),
    }
}

/// The plans side by side, the current one marked; admins change it here.
#[component]
pub fn PlanPage() -> impl IntoView {
    let i18n = use_i18n();
    let UserResource(user) = expect_context();
    let set_plan = ServerAction::<SetPlan>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = set_plan.value().get() {
            user.refetch();
        }
    });
    view! {
        <PageTitle text=|i18n| t_string!(i18n, plan_title).to_string()/>
        <h1>{t!(i18n, plan_title)}</h1>
        <Suspense fallback=move || view! { <p>{t!(i18n, loading)}</p> }>
            {move || Suspend::new(async move {
                let Ok(me) = user.await else { return ().into_any() };
                let current = me.plan;
                view! {
                    <p class="current-plan">
                        {t!(i18n, plan_current)} ": "
                        <strong data-testid="current-plan">{move || plan_name(i18n, current)}</strong>
                    </p>
                    <PlanTable current/>
                    {if me.is_admin() {
                        view! { <PlanForm set_plan current/> }.into_any()
                    } else {
                        view! { <p class="note">{t!(i18n, plan_admin_only)}</p> }.into_any()
                    }}
                }
                .into_any()
            })}
        </Suspense>
    }
}

#[component]
fn PlanTable(current: Plan) -> impl IntoView {
    let i18n = use_i18n();
    let yes_no = move |b: bool| {
        if b {
            t_string!(i18n, yes).to_string()
        } else {
            t_string!(i18n, no).to_string()
        }
    };
    view! {
        <table class="plans">
            <thead>
                <tr>
                    <th scope="col"></th>
                    {Plan::ALL.map(|p| view! {
                        <th scope="col" class:current=p == current>{move || plan_name(i18n, p)}</th>
                    })}
                </tr>
            </thead>
            <tbody>
                <tr>
                    <th scope="row">{t!(i18n, plan_mailboxes)}</th>
                    {Plan::ALL.map(|p| view! { <td>{move || match p.mailbox_limit() {
                        Some(n) => n.to_string(),
                        None => t_string!(i18n, plan_unlimited).to_string(),
                    }}</td> })}
                </tr>
                <tr>
                    <th scope="row">{t!(i18n, plan_interval)}</th>
                    {Plan::ALL.map(|p| view! { <td>{p.sync_interval_minutes()} " " {t!(i18n, plan_minutes)}</td> })}
                </tr>
                <tr>
                    <th scope="row">{t!(i18n, plan_shared)}</th>
                    {Plan::ALL.map(|p| view! { <td>{move || yes_no(p.allows_shared_access())}</td> })}
                </tr>
                <tr>
                    <th scope="row">{t!(i18n, plan_crm)}</th>
                    {Plan::ALL.map(|p| view! { <td>{move || yes_no(p.allows_crm_links())}</td> })}
                </tr>
            </tbody>
        </table>
    }
}

#[component]
fn PlanForm(set_plan: ServerAction<SetPlan>, current: Plan) -> impl IntoView {
    let i18n = use_i18n();
    let saved = move || matches!(set_plan.value().get(), Some(Ok(())));
    view! {
        <section class="card">
            <h2>{t!(i18n, plan_change)}</h2>
            <ActionForm action=set_plan>
                <fieldset class="plan-choice">
                    <legend>{t!(i18n, plan_change)}</legend>
                    {Plan::ALL.map(|p| view! {
                        <label>
                            <input type="radio" name="plan" value=p.as_str() checked=p == current/>
                            {move || plan_name(i18n, p)}
                        </label>
                    })}
                </fieldset>
                <button type="submit" class="primary">{t!(i18n, plan_save)}</button>
            </ActionForm>
            <FormError error=action_error(set_plan)/>
            <Show when=saved>
                <p class="form-ok" role="status">{t!(i18n, plan_saved)}</p>
            </Show>
        </section>
    }
}
