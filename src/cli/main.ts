process.stdout.write('mcp-agent\n');
