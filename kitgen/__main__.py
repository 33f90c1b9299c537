from kitgen.cli.main import main

main()
