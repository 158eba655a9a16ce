//! Containers, clusters, databases and cloud storage: commands that drop shared data.

use super::super::flags;
use super::super::invocation::Invocation;
use super::super::{Finding, Risk};
use super::{has_word, joined_lower, subcommand};

const SQL_CLIENTS: &[&str] = &["mysql", "mariadb", "psql", "sqlite3", "sqlcmd", "clickhouse-client", "cockroach", "mongosh", "mongo"];
const DESTRUCTIVE_SQL: &[&str] = &["drop database", "drop table", "drop schema", "truncate table", "dropdatabase()", ".drop()"];

pub fn check(inv: &Invocation, out: &mut Vec<Finding>) {
    let text = joined_lower(inv);
    let args = &inv.args;
    let finding = match inv.program.as_str() {
        "docker" | "podman" => {
            let prunes_all = text.starts_with("system prune")
                && (flags::short(args, 'a', "afq") || flags::long(args, "--all") || flags::long(args, "--volumes"));
            let volumes = text.starts_with("volume rm")
                || text.starts_with("volume prune")
                || (text.starts_with("compose down") && (flags::short(args, 'v', "v") || flags::long(args, "--volumes")));
            (prunes_all || volumes)
                .then(|| Finding::new(Risk::Moderate, format!("{} deletes images, containers or volumes with their data", inv.program)))
        }
        "kubectl" | "oc" if subcommand(inv).as_deref() == Some("delete") => {
            let wide =
                has_word(inv, &["ns", "namespace", "namespaces", "--all", "-A", "--all-namespaces", "pv", "pvc", "node", "nodes", "crd"]);
            Some(if wide {
                Finding::new(Risk::High, "deletes a namespace or every resource of a kind in the cluster")
                    .with_alternative("run it with --dry-run=client first")
            } else {
                Finding::new(Risk::Moderate, "deletes cluster resources").with_alternative("run it with --dry-run=client first")
            })
        }
        p if SQL_CLIENTS.contains(&p) && DESTRUCTIVE_SQL.iter().any(|sql| text.contains(sql)) => {
            Some(Finding::new(Risk::High, "drops or empties database objects").with_alternative("take a dump (mysqldump / pg_dump) first"))
        }
        "redis-cli" if has_word(inv, &["flushall", "flushdb"]) => Some(Finding::new(Risk::High, "erases every key in Redis")),
        "terraform" | "tofu" | "pulumi" if has_word(inv, &["destroy"]) => Some(
            Finding::new(Risk::High, "destroys all managed infrastructure").with_alternative("terraform plan -destroy to review first"),
        ),
        "aws"
            if (text.contains("s3 rm") && flags::long(args, "--recursive")) || (text.contains("s3 rb") && flags::long(args, "--force")) =>
        {
            Some(Finding::new(Risk::High, "deletes every object in an S3 location").with_alternative("add --dryrun first"))
        }
        "gsutil" if text.contains("rm") && (flags::short(args, 'r', "rRmfa") || flags::short(args, 'R', "rRmfa")) => {
            Some(Finding::new(Risk::High, "deletes every object in a storage location"))
        }
        "helm" if has_word(inv, &["uninstall", "delete"]) => Some(Finding::new(Risk::Moderate, "removes a deployed release")),
        _ => None,
    };
    out.extend(finding);
}
