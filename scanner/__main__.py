from scanner.cli.fastpath import main

main()
