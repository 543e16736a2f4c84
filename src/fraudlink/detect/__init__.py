"""Card-cutting (断卡) detection: abused SIM cards, mule accounts and insiders who open them."""
