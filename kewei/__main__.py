from kewei.cli import main

main()
