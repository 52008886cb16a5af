# completions/fish/lbctl.fish: fish completion for lbctl(8)
# Options are listed here; commands, their keywords and the live backend/server names come
# from "lbctl --complete", which reads the same command table as the daemon.
function __lbctl_complete
    set -l toks (commandline -opc)
    set -e toks[1]
    set -l sock
    set -l cmd
    while set -q toks[1]
        if set -q cmd[1]
            set -a cmd $toks[1]
        else
            switch $toks[1]
                case -s --socket
                    set sock -s $toks[2]
                    set -e toks[1]
                case '--socket=*'
                    set sock -s (string replace -- '--socket=' '' $toks[1])
                case -t --timeout
                    set -e toks[1]
                case '-*'
                case '*'
                    set -a cmd $toks[1]
            end
        end
        set -e toks[1]
    end
    lbctl $sock --complete -- $cmd (commandline -ct) 2>/dev/null
end

complete -c lbctl -f
complete -c lbctl -s s -l socket -r -F -d 'control socket'
complete -c lbctl -s j -l json -d 'print replies as JSON'
complete -c lbctl -s t -l timeout -x -d 'give up after this many seconds'
complete -c lbctl -l color -x -a 'auto always never' -d 'when to use colour'
complete -c lbctl -l no-color -d 'no colour'
complete -c lbctl -l list-commands -d 'print the command table'
complete -c lbctl -s V -l version -d 'print the version'
complete -c lbctl -s h -l help -d 'print the help'
complete -c lbctl -a '(__lbctl_complete)'
