from clipshop.cli import main

main()
