// `tokenomics completion bash|zsh|fish|powershell`: completion scripts generated from the command tree itself,
// so every command and flag that exists completes, and nothing that does not.
import { Command, Argument } from 'commander';
import { CliError, EXIT_USAGE } from '../errors.js';

interface Word {
  readonly word: string;
  readonly description: string;
}

interface CommandNode {
  /** Subcommand names joined by spaces; '' for the program itself. */
  readonly path: string;
  readonly words: readonly Word[];
}

function commandNodes(program: Command): CommandNode[] {
  const nodes: CommandNode[] = [];
  const globals = program.options.map((o) => ({ word: o.long ?? o.short ?? '', description: o.description }));
  const visit = (command: Command, path: string): void => {
    const subs = command.commands.map((c) => ({ word: c.name(), description: c.description() }));
    const own = command === program ? [] : command.options.map((o) => ({ word: o.long ?? o.short ?? '', description: o.description }));
    nodes.push({ path, words: [...subs, ...own, ...globals, { word: '--help', description: 'show help' }] });
    for (const sub of command.commands) visit(sub, path ? `${path} ${sub.name()}` : sub.name());
  };
  visit(program, '');
  return nodes;
}

const quoteSingle = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function bash(name: string, nodes: CommandNode[]): string {
  const paths = nodes.map((n) => n.path).filter(Boolean).join('|');
  const cases = nodes.map((n) => `    ${quoteSingle(n.path)}) opts=${quoteSingle(n.words.map((w) => w.word).join(' '))} ;;`).join('\n');
  return `# bash completion for ${name}; load with: source <(${name} completion bash)
_${name}_complete() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" next i opts
  local known='|${paths}|'
  for ((i = 1; i < COMP_CWORD; i++)); do
    next="\${path:+$path }\${COMP_WORDS[i]}"
    [[ "$known" == *"|$next|"* ]] && path="$next"
  done
  case "$path" in
${cases}
    *) opts='' ;;
  esac
  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )
}
complete -o default -F _${name}_complete ${name}
`;
}

function zsh(name: string, nodes: CommandNode[]): string {
  return `#compdef ${name}
# zsh completion for ${name}; load with: source <(${name} completion zsh)
autoload -U +X bashcompinit && bashcompinit
${bash(name, nodes)}`;
}

function fish(name: string, nodes: CommandNode[]): string {
  const paths = nodes.map((n) => n.path).filter(Boolean);
  const lines = [
    `# fish completion for ${name}; load with: ${name} completion fish | source`,
    `function __${name}_path`,
    '    set -l path ""',
    '    for word in (commandline -opc)[2..-1]',
    '        set -l next (string trim -- "$path $word")',
    `        if contains -- $next ${paths.map(quoteSingle).join(' ')}`,
    '            set path $next',
    '        end',
    '    end',
    '    echo $path',
    'end',
    `complete -c ${name} -f`,
  ];
  for (const node of nodes) {
    const cond = `test (__${name}_path) = ${quoteSingle(node.path)}`;
    for (const w of node.words) {
      const desc = quoteSingle(w.description);
      if (w.word.startsWith('--')) lines.push(`complete -c ${name} -n ${quoteSingle(cond)} -l ${w.word.slice(2)} -d ${desc}`);
      else lines.push(`complete -c ${name} -n ${quoteSingle(cond)} -a ${quoteSingle(w.word)} -d ${desc}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function powershell(name: string, nodes: CommandNode[]): string {
  const table = nodes
    .map((n) => `    ${quoteSingle(n.path).replace(/'\\''/g, "''")} = @(${n.words.map((w) => `'${w.word}'`).join(', ')})`)
    .join('\n');
  return `# PowerShell completion for ${name}; load with: ${name} completion powershell | Out-String | Invoke-Expression
Register-ArgumentCompleter -Native -CommandName '${name}' -ScriptBlock {
  param($wordToComplete, $commandAst, $cursorPosition)
  $words = @{
${table}
  }
  $path = ''
  foreach ($element in $commandAst.CommandElements | Select-Object -Skip 1) {
    $text = $element.ToString()
    if ($text -eq $wordToComplete) { break }
    $next = ("$path $text").Trim()
    if ($words.ContainsKey($next)) { $path = $next }
  }
  $words[$path] | Where-Object { $_ -like "$wordToComplete*" } | ForEach-Object {
    [System.Management.Automation.CompletionResult]::new($_, $_, 'ParameterValue', $_)
  }
}
`;
}

const SHELLS = { bash, zsh, fish, powershell } as const;

export function completionScript(shell: string, program: Command): string {
  const generate = SHELLS[shell as keyof typeof SHELLS];
  if (!generate) throw new CliError(`unknown shell "${shell}"; choose bash, zsh, fish or powershell`, EXIT_USAGE);
  return generate(program.name(), commandNodes(program));
}

export function makeCompletionCommand(program: Command): Command {
  return new Command('completion')
    .description('Print a shell completion script (bash, zsh, fish, powershell)')
    .addArgument(new Argument('<shell>', 'target shell').choices(Object.keys(SHELLS)))
    .addHelpText('after', `
Install:
  bash        echo 'source <(tokenomics completion bash)' >> ~/.bashrc
  zsh         echo 'source <(tokenomics completion zsh)' >> ~/.zshrc
  fish        tokenomics completion fish > ~/.config/fish/completions/tokenomics.fish
  powershell  tokenomics completion powershell | Out-String | Invoke-Expression   (add to $PROFILE)`)
    .action((shell: string) => {
      process.stdout.write(completionScript(shell, program));
    });
}
