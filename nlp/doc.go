// Package nlp is the enrichment stage: it reads raw documents and fills lang,
// categories (with evidence spans), places (through nlp/geo), campaigns and framing.
//
// It owns Spanish text handling for classification (folding through nlp/textfold,
// tokenisation with offsets, a Spanish-aware sentence splitter, stemming and
// language identification), the editable YAML taxonomy with its lexicons and
// context rules (negation, statistics, anniversaries, topics, background mentions,
// figurative senses), the linear model trained from analysts' labels, campaign
// detection, framing of violence against women, and the evaluation of all of it
// against a labelled set. Spanish documents are classified by the rules and the
// model; English ones (Belize) by the taxonomy's English terms alone; documents in
// other languages get lang and nothing else.
//
// It must not read flags or environment variables, talk to Kafka (cmd/escucha wires
// it to the stream), import other stages, or load anything per document: every
// resource is loaded once by New and the Enricher is safe for concurrent use.
package nlp
