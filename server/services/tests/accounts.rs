//! Accounts against real SQLite and PostgreSQL: sign-up, members, plans, and the wall
//! between workspaces. Login limits and input bounds are in `login_throttle.rs`.

use crate::common;

use common::account_fixtures::sign_up;
use domain::{Language, Plan, Role};
use sea_orm::{DatabaseConnection, EntityTrait};
use services::{
    ServiceError,
    accounts::{self, Actor, NewMember, SignUp},
    entities::{user, workspace},
    plan,
};

async fn add(
    db: &DatabaseConnection,
    actor: &Actor,
    email: &str,
    role: Role,
) -> Result<domain::MemberView, ServiceError> {
    accounts::add_member(
        db,
        actor,
        NewMember {
            name: "Taras".into(),
            email: email.into(),
            password: "member password".into(),
            role,
        },
    )
    .await
}

#[tokio::test]
async fn sign_up_makes_a_free_workspace_and_its_admin() {
    for t in common::databases().await {
        let admin = sign_up(&t.db, "Olena@Example.com").await;
        assert_eq!(admin.role, Role::Admin, "{}", t.backend);
        let me = accounts::current_user(&t.db, admin.user_id).await.unwrap();
        assert_eq!(me.plan, Plan::Free);
        assert_eq!(me.email, "olena@example.com");
        assert_eq!(me.language, Language::Uk);
        let row = user::Entity::find_by_id(admin.user_id)
            .one(&t.db)
            .await
            .unwrap()
            .unwrap();
        assert!(row.password_hash.starts_with("$argon2id$"), "{}", t.backend);
        assert!(!row.password_hash.contains("correct horse"));

        let again = accounts::sign_up(
            &t.db,
            SignUp {
                workspace_name: "Other".into(),
                name: "X".into(),
                email: "OLENA@example.com".into(),
                password: "another password".into(),
                language: Language::En,
            },
        )
        .await;
        assert!(
            matches!(again, Err(ServiceError::EmailTaken)),
            "{}",
            t.backend
        );
        assert_eq!(
            workspace::Entity::find().all(&t.db).await.unwrap().len(),
            1,
            "{}",
            t.backend
        );
    }
}

#[tokio::test]
async fn sign_up_rejects_bad_input_and_stores_nothing() {
    for t in common::databases().await {
        for (ws, email, pw) in [
            ("", "a@b.co", "long enough"),
            ("W", "nope", "long enough"),
            ("W", "a@b.co", "short"),
        ] {
            let res = accounts::sign_up(
                &t.db,
                SignUp {
                    workspace_name: ws.into(),
                    name: "N".into(),
                    email: email.into(),
                    password: pw.into(),
                    language: Language::En,
                },
            )
            .await;
            assert!(
                matches!(res, Err(ServiceError::Invalid { .. })),
                "{} {email}",
                t.backend
            );
        }
        assert!(
            workspace::Entity::find()
                .all(&t.db)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn only_admins_manage_members_and_the_plan() {
    for t in common::databases().await {
        let admin = sign_up(&t.db, "boss@example.com").await;
        let member = add(&t.db, &admin, "staff@example.com", Role::Member)
            .await
            .unwrap();
        let member = Actor::load(&t.db, member.id).await.unwrap();
        assert_eq!(member.workspace_id, admin.workspace_id);

        let refused = add(&t.db, &member, "sneaky@example.com", Role::Admin).await;
        assert!(
            matches!(refused, Err(ServiceError::AdminOnly)),
            "{}",
            t.backend
        );
        let refused = plan::set_plan(&t.db, &member, Plan::Professional).await;
        assert!(matches!(refused, Err(ServiceError::AdminOnly)));

        plan::set_plan(&t.db, &admin, Plan::Standard).await.unwrap();
        let me = accounts::current_user(&t.db, member.user_id).await.unwrap();
        assert_eq!(me.plan, Plan::Standard, "{}", t.backend);
        let taken = add(&t.db, &admin, "STAFF@example.com", Role::Member).await;
        assert!(matches!(taken, Err(ServiceError::EmailTaken)));
    }
}

#[tokio::test]
async fn nothing_crosses_from_one_workspace_to_another() {
    for t in common::databases().await {
        let a = sign_up(&t.db, "a-admin@example.com").await;
        let b = sign_up(&t.db, "b-admin@example.com").await;
        assert_ne!(a.workspace_id, b.workspace_id);
        add(&t.db, &a, "a-member@example.com", Role::Member)
            .await
            .unwrap();
        add(&t.db, &b, "b-member@example.com", Role::Member)
            .await
            .unwrap();

        let seen_by_a: Vec<String> = accounts::list_members(&t.db, &a)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.email)
            .collect();
        assert_eq!(
            seen_by_a,
            ["a-admin@example.com", "a-member@example.com"],
            "{}",
            t.backend
        );
        let seen_by_b: Vec<String> = accounts::list_members(&t.db, &b)
            .await
            .unwrap()
            .into_iter()
            .map(|m| m.email)
            .collect();
        assert_eq!(
            seen_by_b,
            ["b-admin@example.com", "b-member@example.com"],
            "{}",
            t.backend
        );

        plan::set_plan(&t.db, &a, Plan::Professional).await.unwrap();
        assert_eq!(
            accounts::current_user(&t.db, a.user_id).await.unwrap().plan,
            Plan::Professional
        );
        assert_eq!(
            accounts::current_user(&t.db, b.user_id).await.unwrap().plan,
            Plan::Free,
            "{}",
            t.backend
        );
    }
}

#[tokio::test]
async fn language_is_remembered_per_user() {
    for t in common::databases().await {
        let a = sign_up(&t.db, "lang@example.com").await;
        accounts::set_language(&t.db, a.user_id, Language::En)
            .await
            .unwrap();
        assert_eq!(
            accounts::current_user(&t.db, a.user_id)
                .await
                .unwrap()
                .language,
            Language::En,
            "{}",
            t.backend
        );
    }
}
