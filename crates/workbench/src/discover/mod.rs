//! Finding a model: the curated catalog, Hugging Face search results mapped onto the same cards,
//! whether this device can run each one, and the model advisor (local model, Hub router or
//! keyword rules). No I/O: the shells fetch, this module builds URLs and reads answers.

pub mod advisor;
mod card;
mod catalog;
mod search;

pub use card::{params_label, CardSource, DeviceBudget, Modality, ModelCard, QuantOption, Runnability};
pub use catalog::{catalog, catalog_cards, find_entry, CatalogEntry, QuantFile};
pub use search::{
    filter_catalog, gguf_options, parse_search_results, quant_label, rate_limit_pause_s, search_url, validate_query, HubModel, QueryError,
    SearchOutcome, SearchSource, MAX_QUERY_CHARS, SEARCH_LIMIT,
};
