//! Checking and normalizing the user's natural-language request before it reaches the prompt.

/// Longest request accepted, in characters; longer ones are almost certainly pasted by mistake.
pub const MAX_REQUEST_CHARS: usize = 1000;

/// Why a request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("the request is empty; describe what the command should do")]
    Empty,
    #[error("the request is too long ({chars} characters; at most {max})")]
    TooLong { chars: usize, max: usize },
    #[error("the request contains control characters (only tabs and line breaks are allowed)")]
    ControlCharacters,
}

/// Returns the request trimmed, with every run of whitespace (line breaks included) collapsed to one
/// space, or why it cannot be used.
pub fn validate_request(request: &str) -> Result<String, RequestError> {
    let has_forbidden_control = request.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'));
    if has_forbidden_control {
        return Err(RequestError::ControlCharacters);
    }
    let cleaned = request.split_whitespace().collect::<Vec<_>>().join(" ");
    if cleaned.is_empty() {
        return Err(RequestError::Empty);
    }
    let chars = cleaned.chars().count();
    if chars > MAX_REQUEST_CHARS {
        return Err(RequestError::TooLong { chars, max: MAX_REQUEST_CHARS });
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_collapses_whitespace() {
        assert_eq!(validate_request("  list   files\n\tby size \r\n").unwrap(), "list files by size");
    }

    #[test]
    fn rejects_blank_requests() {
        assert_eq!(validate_request(""), Err(RequestError::Empty));
        assert_eq!(validate_request(" \n\t "), Err(RequestError::Empty));
    }

    #[test]
    fn rejects_control_characters() {
        assert_eq!(validate_request("ls\0"), Err(RequestError::ControlCharacters));
        assert_eq!(validate_request("ls \u{1b}[31m"), Err(RequestError::ControlCharacters));
    }

    #[test]
    fn length_counts_characters_after_cleaning() {
        let at_limit = "é".repeat(MAX_REQUEST_CHARS);
        assert_eq!(validate_request(&at_limit).unwrap().chars().count(), MAX_REQUEST_CHARS);
        let padded = format!("   {at_limit}   ");
        assert!(validate_request(&padded).is_ok());
        let too_long = "a".repeat(MAX_REQUEST_CHARS + 1);
        assert_eq!(validate_request(&too_long), Err(RequestError::TooLong { chars: 1001, max: 1000 }));
    }
}
