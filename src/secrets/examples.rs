//! Every rule's examples and negative examples, run: what `dockward rules
//! check` and the test suite use to keep the rules honest.

use super::SecretScanner;

impl SecretScanner {
    /// Runs every rule's examples and negative examples, and the env
    /// examples. Returns one line per failure; empty means all pass.
    pub fn check_examples(&self) -> Vec<String> {
        let mut failures = Vec::new();
        for rule in &self.rules {
            if rule.examples.is_empty() {
                failures.push(format!("{}: has no examples", rule.id));
            }
            for ex in &rule.examples {
                if !self.scan_text(ex).iter().any(|m| m.rule_id == rule.id) {
                    failures.push(format!("{}: example not matched: {ex}", rule.id));
                }
            }
            for ex in &rule.negative_examples {
                if self.scan_text(ex).iter().any(|m| m.rule_id == rule.id) {
                    failures.push(format!("{}: negative example matched: {ex}", rule.id));
                }
            }
        }
        let env = |entry: &String| {
            let (n, v) = entry.split_once('=').unwrap_or((entry.as_str(), ""));
            self.classify_env(n, v)
        };
        for ex in &self.env_examples {
            if env(ex).is_none() {
                failures.push(format!("env: example not matched: {ex}"));
            }
        }
        for ex in &self.env_negative_examples {
            if env(ex).is_some() {
                failures.push(format!("env: negative example matched: {ex}"));
            }
        }
        failures
    }
}
