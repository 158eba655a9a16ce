//! `cmdai-native init SHELL`: shell functions that put the suggested command on the prompt
//! line for the user to edit and run. Nothing runs without the user pressing Enter.

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum InitShell {
    Bash,
    Zsh,
    Fish,
}

/// The script for `shell`: a `cmdai REQUEST` function and a Ctrl-X Ctrl-A key binding that
/// turns the request typed on the prompt line into a command in place.
pub fn script(shell: InitShell) -> &'static str {
    match shell {
        InitShell::Bash => BASH,
        InitShell::Zsh => ZSH,
        InitShell::Fish => FISH,
    }
}

const BASH: &str = r#"# cmdai for bash: add `eval "$(cmdai-native init bash)"` to ~/.bashrc.
# `cmdai REQUEST` shows the suggested command on an editable prompt line; Enter runs it.
cmdai() {
    local cmd
    cmd="$(command cmdai-native --output plain --shell bash -- "$*" </dev/null)" || return
    [ -n "$cmd" ] || return 1
    read -r -e -p "$ " -i "$cmd" cmd || return
    history -s -- "$cmd"
    eval -- "$cmd"
}
# Ctrl-X Ctrl-A: replace the request typed on the command line with the command.
_cmdai_line() {
    local cmd
    cmd="$(command cmdai-native --output plain --shell bash -- "$READLINE_LINE" </dev/null)" || return
    READLINE_LINE="$cmd"
    READLINE_POINT=${#cmd}
}
bind -x '"\C-x\C-a": _cmdai_line'
"#;

const ZSH: &str = r#"# cmdai for zsh: add `eval "$(cmdai-native init zsh)"` to ~/.zshrc.
# `cmdai REQUEST` puts the suggested command on the next prompt line, ready to edit.
cmdai() {
    local cmd
    cmd="$(command cmdai-native --output plain --shell zsh -- "$*" </dev/null)" || return
    [[ -n "$cmd" ]] && print -z -- "$cmd"
}
# Ctrl-X Ctrl-A: replace the request typed on the command line with the command.
_cmdai_line() {
    local cmd
    cmd="$(command cmdai-native --output plain --shell zsh -- "$BUFFER" </dev/null)" || return
    BUFFER="$cmd"
    CURSOR=${#BUFFER}
    zle redisplay
}
zle -N _cmdai_line
bindkey '^X^A' _cmdai_line
"#;

const FISH: &str = r#"# cmdai for fish: add `cmdai-native init fish | source` to ~/.config/fish/config.fish.
# `cmdai REQUEST` shows the suggested command on an editable prompt line; Enter runs it.
function cmdai
    set -l cmd (command cmdai-native --output plain --shell fish -- "$argv" </dev/null | string collect)
    or return
    test -n "$cmd"; or return 1
    read --command "$cmd" --prompt-str '$ ' cmd; or return
    eval $cmd
end
# Ctrl-X Ctrl-A: replace the request typed on the command line with the command.
function _cmdai_line
    set -l cmd (command cmdai-native --output plain --shell fish -- (commandline) </dev/null | string collect)
    and commandline --replace -- $cmd
end
bind \cx\ca _cmdai_line
"#;
