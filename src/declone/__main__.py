from declone.cli import main_entry

main_entry()
