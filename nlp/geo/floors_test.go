package geo

// Floors measured on the dev set and the CEGEOMEX sample (docs/geo.md); a
// change that drops below them fails the build.
const (
	devFocusCountryFloor  = 0.96
	devFocusAdmin1Floor   = 0.95
	devFocusAdmin2Floor   = 0.90
	devMentionRecallFloor = 0.85

	cegeoLocalPerDocCeiling = 0.10
	cegeoCountryRecallFloor = 0.90
)
