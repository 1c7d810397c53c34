/* Vigie: progressive enhancements. Every page works without this file. */
