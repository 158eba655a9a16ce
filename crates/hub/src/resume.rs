//! Resuming a download: what to ask for given the bytes already saved, and what to do with the answer.

/// What to do before sending a request, given the size of `<blob>.incomplete`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumePlan {
    /// Nothing saved: ask for the whole file.
    Start,
    /// Ask for the rest with `Range: bytes={from}-`.
    Resume { from: u64 },
    /// Every byte is there already (the process stopped before the check): just verify it.
    Complete,
    /// More bytes than the file has: the partial file belongs to something else; delete it.
    Discard,
}

pub fn plan_resume(bytes_on_disk: u64, expected_size: Option<u64>) -> ResumePlan {
    match expected_size {
        _ if bytes_on_disk == 0 => ResumePlan::Start,
        Some(total) if bytes_on_disk == total => ResumePlan::Complete,
        Some(total) if bytes_on_disk > total => ResumePlan::Discard,
        _ => ResumePlan::Resume { from: bytes_on_disk },
    }
}

/// The `Range` header for resuming at `from` (none at 0).
pub fn range_header(from: u64) -> Option<String> {
    (from > 0).then(|| format!("bytes={from}-"))
}

/// A parsed `Content-Range: bytes START-END/TOTAL` (TOTAL may be `*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ContentRange {
    pub start: u64,
    /// Inclusive.
    pub end: u64,
    pub total: Option<u64>,
}

pub fn parse_content_range(value: &str) -> Option<ContentRange> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.trim().split_once('-')?;
    let (start, end): (u64, u64) = (start.trim().parse().ok()?, end.trim().parse().ok()?);
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    if end < start || total.is_some_and(|t| end >= t) {
        return None;
    }
    Some(ContentRange { start, end, total })
}

/// What to do with the partial file once the answer's status is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WritePlan {
    /// 206 starting where the partial file ends: append.
    Append,
    /// 200: the server sent the whole file; truncate and write from the start.
    Overwrite,
    /// The answer does not continue the partial file (416, a 206 for other bytes or a different
    /// total size): delete the partial file and ask again from the start.
    Restart,
}

pub fn plan_write(requested_from: u64, status: u16, content_range: Option<&str>, expected_size: Option<u64>) -> WritePlan {
    match status {
        200 => WritePlan::Overwrite,
        206 => match content_range.and_then(parse_content_range) {
            Some(cr)
                if cr.start == requested_from
                    && match (cr.total, expected_size) {
                        (Some(t), Some(e)) => t == e,
                        _ => true,
                    } =>
            {
                WritePlan::Append
            }
            _ => WritePlan::Restart,
        },
        _ => WritePlan::Restart,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_before_request() {
        assert_eq!(plan_resume(0, Some(10)), ResumePlan::Start);
        assert_eq!(plan_resume(0, None), ResumePlan::Start);
        assert_eq!(plan_resume(4, Some(10)), ResumePlan::Resume { from: 4 });
        assert_eq!(plan_resume(4, None), ResumePlan::Resume { from: 4 });
        assert_eq!(plan_resume(10, Some(10)), ResumePlan::Complete);
        assert_eq!(plan_resume(11, Some(10)), ResumePlan::Discard);
        assert_eq!(range_header(0), None);
        assert_eq!(range_header(1234).as_deref(), Some("bytes=1234-"));
    }

    #[test]
    fn content_ranges() {
        assert_eq!(parse_content_range("bytes 100-199/1000"), Some(ContentRange { start: 100, end: 199, total: Some(1000) }));
        assert_eq!(parse_content_range("bytes 0-0/*"), Some(ContentRange { start: 0, end: 0, total: None }));
        for bad in ["bytes */1000", "100-199/1000", "bytes 5-4/10", "bytes 0-10/10", "bytes a-b/c", ""] {
            assert_eq!(parse_content_range(bad), None, "{bad}");
        }
    }

    #[test]
    fn plans_after_response() {
        assert_eq!(plan_write(0, 200, None, Some(10)), WritePlan::Overwrite);
        assert_eq!(plan_write(4, 200, None, Some(10)), WritePlan::Overwrite);
        assert_eq!(plan_write(4, 206, Some("bytes 4-9/10"), Some(10)), WritePlan::Append);
        assert_eq!(plan_write(4, 206, Some("bytes 4-9/*"), Some(10)), WritePlan::Append);
        assert_eq!(plan_write(4, 206, Some("bytes 0-9/10"), Some(10)), WritePlan::Restart);
        assert_eq!(plan_write(4, 206, Some("bytes 4-11/12"), Some(10)), WritePlan::Restart);
        assert_eq!(plan_write(4, 206, None, Some(10)), WritePlan::Restart);
        assert_eq!(plan_write(10, 416, Some("bytes */10"), Some(10)), WritePlan::Restart);
    }
}
