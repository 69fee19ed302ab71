use super::*;

fn rw(text: &str) -> Rewritten {
    let r = rewrite(text, "Dockerfile").expect("parses");
    let again = rewrite(&r.text, "Dockerfile").expect("parses again");
    assert_eq!(again.text, r.text, "a second rewrite changes nothing");
    assert_eq!(again.steps, 0);
    r
}

#[test]
fn network_steps_get_the_secret_and_their_variables_and_nothing_else_moves() {
    let before = "FROM node:20 AS build\nWORKDIR /app\nCOPY package*.json ./\nRUN npm ci \\\n    && npm run build\n\nFROM nginx:1.27\nCOPY --from=build /app/dist /usr/share/nginx/html\nRUN echo done\n";
    let r = rw(before);
    assert_eq!(r.steps, 1);
    assert_eq!(
        r.text,
        "FROM node:20 AS build\nWORKDIR /app\nCOPY package*.json ./\nRUN --mount=type=secret,id=ca-bundle,required=false \\\n    if [ -s /run/secrets/ca-bundle ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/ca-bundle; fi; \\\n    npm ci \\\n    && npm run build\n\nFROM nginx:1.27\nCOPY --from=build /app/dist /usr/share/nginx/html\nRUN echo done\n"
    );
    // The result is still a Dockerfile, with the flag where BuildKit reads it.
    let df = parse_dockerfile::parse(&r.text).expect("valid");
    let runs: Vec<_> = df
        .instructions
        .iter()
        .filter_map(|i| match i {
            Instruction::Run(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(runs[0].options[0].name.value, "mount");
    assert!(runs[1].options.is_empty());
}

#[test]
fn tools_choose_their_variables_and_existing_flags_stay() {
    let r = rw("FROM golang:1.22\nRUN --mount=type=cache,target=/go/pkg go mod download && curl -fsSLo /x https://example.com/x\n");
    assert!(r.text.starts_with("FROM golang:1.22\nRUN --mount=type=secret,id=ca-bundle,required=false \\\n    --mount=type=cache,target=/go/pkg if [ -s /run/secrets/ca-bundle ]; then export CURL_CA_BUNDLE=/run/secrets/ca-bundle SSL_CERT_FILE=/run/secrets/ca-bundle; fi; \\\n    go mod download"), "{}", r.text);
    let r = rw("FROM python:3.12\nRUN python -m pip install -r requirements.txt\n");
    assert!(r.text.contains("export PIP_CERT=/run/secrets/ca-bundle REQUESTS_CA_BUNDLE=/run/secrets/ca-bundle SSL_CERT_FILE=/run/secrets/ca-bundle;"), "{}", r.text);
}

#[test]
fn a_here_document_script_gets_the_guard_as_its_first_line() {
    let r = rw("FROM python:3.12\nRUN <<EOF\nset -e\npip install flask\nEOF\nRUN <<PY\n#!/usr/bin/env python3\nimport os # pip\nPY\n");
    assert_eq!(r.steps, 2);
    assert_eq!(
        r.text,
        "FROM python:3.12\nRUN --mount=type=secret,id=ca-bundle,required=false <<EOF\nif [ -s /run/secrets/ca-bundle ]; then export PIP_CERT=/run/secrets/ca-bundle REQUESTS_CA_BUNDLE=/run/secrets/ca-bundle SSL_CERT_FILE=/run/secrets/ca-bundle; fi;\nset -e\npip install flask\nEOF\nRUN --mount=type=secret,id=ca-bundle,required=false <<PY\n#!/usr/bin/env python3\nimport os # pip\nPY\n"
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains(":6: the here-document is not a shell script")),
        "{:?}",
        r.notes
    );
}

#[test]
fn exec_form_java_and_apt_are_explained_not_guessed() {
    let r = rw("FROM eclipse-temurin:21\nRUN [\"pip\", \"install\", \"x\"]\nRUN mvn -B package\nRUN apt-get update && apt-get install -y git\n");
    assert!(
        r.text
            .contains("RUN --mount=type=secret,id=ca-bundle,required=false [\"pip\""),
        "{}",
        r.text
    );
    assert!(
        r.notes.iter().any(|n| n.contains(":2: exec-form RUN")),
        "{:?}",
        r.notes
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains(":3: Java tools") && n.contains("keytool")),
        "{:?}",
        r.notes
    );
    // apt reads no variable: the step gets the secret, the note the option.
    assert!(
        r.text
            .contains("export GIT_SSL_CAINFO=/run/secrets/ca-bundle; fi; \\\n    apt-get update"),
        "{}",
        r.text
    );
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains(":4: apt reads no CA variable")
                && n.contains("Acquire::https::CAInfo")),
        "{:?}",
        r.notes
    );
    // Java steps get the secret (the note says how keytool takes it).
    assert!(
        r.text.contains(
            "RUN --mount=type=secret,id=ca-bundle,required=false \\\n    mvn -B package\n"
        ),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains("export GIT_SSL_CAINFO=/run/secrets/ca-bundle;"),
        "git is covered"
    );
}

#[test]
fn the_escape_directive_and_crlf_are_kept() {
    let r = rw("# escape=`\r\nFROM mcr.microsoft.com/windows/servercore:ltsc2022\r\nRUN curl.exe -o x https://example.com `\r\n    && echo ok\r\n");
    assert!(r.text.contains("required=false `\r\n    if [ -s /run/secrets/ca-bundle ]; then export CURL_CA_BUNDLE=/run/secrets/ca-bundle; fi; `\r\n    curl.exe"), "{}", r.text);
}

#[test]
fn comments_inside_continuations_do_not_count_and_syntax_lines_are_explained() {
    let r = rw("# syntax=docker/dockerfile:1\nFROM alpine:3.20\nRUN echo a \\\n# curl was here\n    && echo b\nRUN apk add --no-cache curl\n");
    assert_eq!(r.steps, 1, "{}", r.text);
    assert!(
        r.notes.iter().any(|n| n.contains("`# syntax=` line")),
        "{:?}",
        r.notes
    );
}

#[test]
fn a_broken_dockerfile_is_a_clear_error() {
    let e = rewrite(
        "FROM alpine\nRUN <<EOF\necho never closed\n",
        "api/Dockerfile",
    )
    .expect_err("refused");
    assert!(
        e.to_string().starts_with("api/Dockerfile cannot be parsed"),
        "{e}"
    );
}

#[test]
fn wget_gets_its_option_through_a_function_for_that_step_only() {
    let r = rw("FROM debian:12\nRUN wget -q https://example.com/x.tgz && tar xzf x.tgz\n");
    assert!(
        r.text.contains("if [ -s /run/secrets/ca-bundle ]; then export SSL_CERT_FILE=/run/secrets/ca-bundle; wget() { if command wget --help 2>&1 | grep -q -e --ca-certificate; then command wget --ca-certificate=/run/secrets/ca-bundle \"$@\"; else command wget \"$@\"; fi; }; fi;"),
        "{}",
        r.text
    );
    // The guard is valid POSIX shell: dash parses and runs it.
    let guard = r
        .text
        .lines()
        .nth(2)
        .expect("guard line")
        .trim()
        .trim_end_matches('\\');
    let out = std::process::Command::new("sh")
        .arg("-n")
        .arg("-c")
        .arg(format!("{guard} wget --version"))
        .output()
        .expect("sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
