//! Where model bytes come from: a source that shares its memory (a native memory map) lends
//! the quantized tensors to the model instead of copying them, with the same results as a
//! source that can only be read.

use cmdai_test_support::models;
use std::sync::Arc;

use burn::tensor::Device;
use cmdai_engine::generate::read_logits;
use cmdai_engine::gguf::GgufFile;
use cmdai_engine::model::{load_gguf, Logits};
use cmdai_engine::source::{Shared, SharedMemory};
use futures::executor::block_on;

#[test]
fn shared_memory_is_borrowed_by_the_model_and_computes_the_same_logits() {
    let device = Device::flex();
    let prompt = [1, 9690, 198, 2683, 359, 253, 5356, 5646];
    let logits = |model: &cmdai_engine::model::Transformer| {
        let mut cache = model.new_cache();
        block_on(read_logits(model.forward(&prompt, &mut cache, Logits::All).unwrap())).unwrap()
    };

    let file = models::FileSource::open(models::SMOLLM2);
    let gguf = block_on(GgufFile::read(&file)).unwrap();
    let read = logits(&block_on(load_gguf(&gguf, &file, &device, |_| {})).unwrap());

    let memory: Arc<Vec<u8>> = Arc::new(models::read_model(models::SMOLLM2));
    let shared = Shared(memory.clone() as SharedMemory);
    let model = block_on(load_gguf(&gguf, &shared, &device, |_| {})).unwrap();
    drop(shared);
    // Every quantized matrix holds the memory (Q and K are reordered into copies of their own).
    let holders = Arc::strong_count(&memory) - 1;
    assert!(holders >= 30 * 5, "only {holders} tensors borrow the shared memory");
    assert_eq!(logits(&model), read, "borrowed and copied tensors must compute the same logits");
    drop(model);
    assert_eq!(Arc::strong_count(&memory), 1, "the model released the memory");
}
