//! CRM server functions: records (lists, cards, forms), links (manual link and unlink,
//! a message's links, a card's correspondence) and the automatic rules' preview.
