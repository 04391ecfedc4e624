package cli

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
)

// runTUI starts the desk in this terminal. Until the referral form lands
// (issue 5) it shows a screen that says so.
func runTUI(io IO, args []string) int {
	cfg := loadConfig(io.Env)
	fs := newFlags(io, "refdesk", "[run] [flags]")
	cfg.bindFlags(fs)
	if code, done := parse(fs, args); done {
		return code
	}
	if err := cfg.checkCredentials(); err != nil {
		fmt.Fprintf(io.Stderr, "refdesk: %v\n", err)
		return ExitUsage
	}
	p := tea.NewProgram(placeholder{sandbox: cfg.Sandbox()}, tea.WithInput(io.Stdin), tea.WithOutput(io.Stdout))
	if _, err := p.Run(); err != nil {
		fmt.Fprintf(io.Stderr, "refdesk: %v\n", err)
		return ExitFailed
	}
	return ExitOK
}

// placeholder is the screen shown until the referral form lands.
type placeholder struct{ sandbox bool }

func (placeholder) Init() tea.Cmd { return nil }

func (m placeholder) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if k, ok := msg.(tea.KeyPressMsg); ok {
		switch k.String() {
		case "q", "ctrl+c", "esc":
			return m, tea.Quit
		}
	}
	return m, nil
}

func (m placeholder) View() tea.View {
	mode := "Cobalt account"
	if m.sandbox {
		mode = "SANDBOX (synthetic data)"
	}
	v := tea.NewView(fmt.Sprintf("refdesk %s — %s\n\nThe referral form is not available yet: it is being built (issue 5).\n\nPress q to quit.\n", Version, mode))
	v.AltScreen = true
	return v
}
