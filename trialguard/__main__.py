from trialguard.cli import main

main()
