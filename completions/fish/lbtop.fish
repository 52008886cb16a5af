# completions/fish/lbtop.fish: fish completion for lbtop(1)
complete -c lbtop -f
complete -c lbtop -s s -l socket -r -F -d 'control socket'
complete -c lbtop -s d -l delay -x -a '0.5 1 2 5' -d 'refresh interval in seconds'
complete -c lbtop -l once -d 'print one frame as text and exit'
complete -c lbtop -l plain -d 'no colour with --once'
complete -c lbtop -l no-color -d 'monochrome'
complete -c lbtop -s V -l version -d 'print the version'
complete -c lbtop -s h -l help -d 'print the help'
