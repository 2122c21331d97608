"""The Albert Invent load-test suite: config, auth, Faker data, API client, journeys J1-J10, profiles."""
