// Replaced by the simulator (issue 4); present so the skeleton builds.
return 0;
