// Command template is the starting point for a new contract: copy this
// directory, rename it, and change the messages and handlers. It keeps one
// private note per account; replace that with your logic.
//
//	instantiate: {}
//	commands:    {"set_note": {"text": "..."}}   the sender's note (private)
//	             {"get_note": {}}                the sender's note, encrypted to the sender
//	query:       {"notes": {}}                   how many accounts have a note (public)
package main

import (
	"errors"

	"github.com/phala-cosmos/phala-cosmos/contracts/sdk"
)

// InitMsg is the instantiation message (none needed here).
type InitMsg struct{}

// Command is one of the contract's commands: exactly one field is set.
type Command struct {
	SetNote *SetNote  `json:"set_note,omitempty"`
	GetNote *struct{} `json:"get_note,omitempty"`
}

// SetNote replaces the sender's note.
type SetNote struct {
	Text string `json:"text"`
}

// Query is one of the contract's queries.
type Query struct {
	Notes *struct{} `json:"notes,omitempty"`
}

// Note is the answer to get_note.
type Note struct {
	Text string `json:"text"`
}

// NotesResponse is the answer to notes.
type NotesResponse struct {
	Count uint64 `json:"count"`
}

const countKey = "count"

func noteKey(addr string) string { return "note/" + addr }

func instantiate(ctx *sdk.Context, _ InitMsg) error {
	return sdk.Save(ctx, countKey, uint64(0))
}

func handle(ctx *sdk.Context, cmd Command) (any, error) {
	switch {
	case cmd.SetNote != nil:
		if len(cmd.SetNote.Text) > 1024 {
			return nil, errors.New("a note is at most 1024 bytes")
		}
		if _, had := ctx.Get(noteKey(ctx.Sender)); !had {
			count, _, err := sdk.Load[uint64](ctx, countKey)
			if err != nil {
				return nil, err
			}
			if err := sdk.Save(ctx, countKey, count+1); err != nil {
				return nil, err
			}
		}
		ctx.Set(noteKey(ctx.Sender), []byte(cmd.SetNote.Text))
		ctx.Emit("template.note_set") // public: that a note changed, not what it says
		return nil, nil
	case cmd.GetNote != nil:
		text, _ := ctx.Get(noteKey(ctx.Sender))
		return Note{Text: string(text)}, nil
	}
	return nil, errors.New("unknown command: want set_note or get_note")
}

func query(ctx *sdk.Context, q Query) (any, error) {
	if q.Notes == nil {
		return nil, errors.New(`unknown query: want {"notes": {}}`)
	}
	count, _, err := sdk.Load[uint64](ctx, countKey)
	return NotesResponse{Count: count}, err
}

func init() {
	sdk.Register(sdk.Contract[InitMsg, Command, Query]{Init: instantiate, Handle: handle, Query: query})
}

func main() {}
