from azr_safe.cli.main import main

main()
