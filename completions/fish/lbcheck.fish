# completions/fish/lbcheck.fish: fish completion for lbcheck(1)
complete -c lbcheck -n '__fish_use_subcommand' -a lint -d 'check configuration files (default)'
complete -c lbcheck -l format -x -a 'text json' -d 'output format'
complete -c lbcheck -s q -l quiet -d 'print errors only'
complete -c lbcheck -l werror -d 'treat warnings as errors'
complete -c lbcheck -l list-keywords -d 'print every configuration keyword'
complete -c lbcheck -s V -l version -d 'print the version'
complete -c lbcheck -s h -l help -d 'print the help'
