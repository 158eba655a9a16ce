//! Importing a `.gguf` file the user picked: copied into the store chunk by chunk (the file
//! is never read whole), then hashed like a download so it loads the same way.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::File;

use super::{DownloadError, Progress, RateMeter};
use crate::store::{ModelRecord, ModelStore, StoreError};

pub async fn import_file(store: &ModelStore, file: &File, mut on_progress: impl FnMut(&Progress)) -> Result<ModelRecord, DownloadError> {
    let name = file.name();
    if !name.to_ascii_lowercase().ends_with(".gguf") {
        return Err(DownloadError::BadResponse(format!("{name} is not a .gguf file")));
    }
    let mut record = ModelRecord::new(format!("local/{name}"), name, file.size() as u64);
    store.delete(&record.id).await?;
    store.put_record(&record).await?;
    let mut meter = RateMeter::new(5000.0);
    for index in 0..record.chunk_count() {
        let start = (index * record.chunk_size) as f64;
        let end = start + record.chunk_len(index) as f64;
        let blob = file.slice_with_f64_and_f64(start, end).map_err(read_error)?;
        let buffer = JsFuture::from(blob.array_buffer()).await.map_err(read_error)?;
        let bytes = js_sys::Uint8Array::new(&buffer.unchecked_into()).to_vec();
        record = store.put_chunk(&record, index, &bytes).await?;
        on_progress(&meter.sample(js_sys::Date::now(), record.bytes_done(), record.size, "importing"));
    }
    let total = record.size;
    let mut verify_meter = RateMeter::new(5000.0);
    Ok(store.verify(&record, |done| on_progress(&verify_meter.sample(js_sys::Date::now(), done, total, "verifying"))).await?)
}

fn read_error(e: wasm_bindgen::JsValue) -> DownloadError {
    DownloadError::Store(StoreError::Browser(format!("cannot read the file: {e:?}")))
}
