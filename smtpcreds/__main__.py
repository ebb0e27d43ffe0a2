from smtpcreds.cli import main

main()
