//! A Jinja chat template from a model file, rendered over a short conversation: text or an
//! error, never a panic or a hang (templates run on bounded fuel).
#![no_main]

use cmdai_engine::chat::{ChatTemplate, Message};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else { return };
    if let Ok(template) = ChatTemplate::new(source) {
        let template = template.with_bos_token("<s>").with_eos_token("</s>");
        let messages =
            [Message::new("system", "You write shell commands."), Message::new("user", "list files"), Message::new("assistant", "ls")];
        let _ = template.render(&messages, true);
    }
});
