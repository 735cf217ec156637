// Replaced by the CLI (issue 2); present so the skeleton builds.
return 0;
