package escucha

import "context"

// Processor is a stage that transforms documents (the NLP enrichment). It must be
// safe to call again with the same input (at-least-once delivery). An error of kind
// EInvalid for a document means that document is poison; Process reports it per
// document through the returned errs slice (nil entries for success).
type Processor interface {
	Process(ctx context.Context, docs []*Document) (out []*Document, errs []error)
}

// Sink durably stores documents, upserting by id so that a newer Version replaces an
// older one and re-delivery is a no-op. Write returns only once the batch is durable:
// the stream commits offsets after it returns nil.
type Sink interface {
	Write(ctx context.Context, docs []*Document) error
	Close() error
}

// Emit is how a producer (a crawler or connector) hands a document on, to the stream
// or to stdout.
type Emit func(ctx context.Context, d *Document) error

// Topics of the stream.
const (
	TopicRaw      = "escucha.raw"
	TopicEnriched = "escucha.enriched"
	TopicDLQ      = "escucha.dlq"
)

// Category ids (fixed; see docs/labelling.md).
const (
	CatHomicidio              = "homicidio"
	CatFemicidio              = "femicidio"
	CatViolenciaContraMujer   = "violencia_contra_mujer"
	CatViolenciaSexual        = "violencia_sexual"
	CatViolenciaIntrafamiliar = "violencia_intrafamiliar"
	CatTrataPersonas          = "trata_personas"
	CatExtorsion              = "extorsion"
	CatDesaparicion           = "desaparicion"
	CatRobo                   = "robo"
	CatCrimenOrganizado       = "crimen_organizado"
	CatCiberdelito            = "ciberdelito"
	CatDesplazamiento         = "desplazamiento_forzado"
)

// Categories lists every category id in a stable order.
var Categories = []string{
	CatHomicidio, CatFemicidio, CatViolenciaContraMujer, CatViolenciaSexual,
	CatViolenciaIntrafamiliar, CatTrataPersonas, CatExtorsion, CatDesaparicion, CatRobo,
	CatCrimenOrganizado, CatCiberdelito, CatDesplazamiento,
}

// Framing ids.
const (
	FrameJustificacion = "justificacion"
	FrameDerechos      = "derechos"
)

// CampaignNadaJustifica is the id of the regional campaign shipped configured.
const CampaignNadaJustifica = "nada_justifica"
