mod current_user;
mod log_in;
mod log_out;
mod sign_up;

pub use current_user::{CurrentUserFn, current_user};
pub use log_in::{LogIn, log_in};
pub use log_out::{LogOut, log_out};
pub use sign_up::{SignUp, sign_up};
