//! Actions on messages (read/unread, flag, move, delete, archive): applied at once in the database, written back to the server over IMAP in the background.
