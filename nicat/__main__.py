from nicat.cli import main

main()
