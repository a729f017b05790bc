#!/usr/bin/env python3
"""Deterministic synthetic corpus of chemical-marketplace listings (JSONL) for the screening benchmark.

    bench/screen/gen.py --size-mb 100 -o bench/out/screen-100mb.jsonl
    bench/screen/gen.py --size-mb 1000 --offer-share 0.02 --seed 1 --labels bench/out/screen-1gb.labels.tsv -o FILE

One JSON object a line: {"id": "...", "text": "...", "seller": "...", "lang": "en|es|zh"}. Records are written
until the output reaches --size-mb megabytes (1 MB = 1,000,000 bytes; the last record crosses the line). The
stream depends only on --seed, --offer-share and this file: a smaller file is a byte-exact prefix of a larger one
made with the same seed and share.

What is in it (shares of records; see the summary printed on stderr):
  * ordinary catalogue listings (the bulk): 486 real ordinary chemicals with their CAS RNs (check digits
    verified) plus 13 registry-listed industrial chemicals (acetone, toluene, sulfuric and hydrochloric acid,
    MEK, diethyl ether, piperidine, potassium permanganate, acetic and propionic anhydride, phenylacetic and
    anthranilic acid, piperonal) at the same weight as any other chemical; purity, appearance, packaging,
    MOQ, price, delivery, payment, contacts; about 4 % are long (2-10 KB: company profile, COA table, FAQ,
    shipping terms), some are multi-product price lists;
  * precursor offers (--offer-share, 0.02 by default): fentanyl precursors first (NPP, 4-AP, 1-boc-4-AP,
    ANPP, 1-boc-4-piperidone, 4-piperidone, norfentanyl, propionic anhydride, benzylfentanyl; ~88 %), then
    a few amphetamine/MDMA precursors; 35 % plain, the rest obfuscated (name only 40 %, CAS RN only 20 %,
    both 40 %; 18 % of all offers give no CAS RN at all): CAS RN spaced,
    dashed with look-alike dashes, dotted, unseparated, digit-spaced or full-width; Cyrillic/Greek homoglyphs,
    zero-width characters, full-width letters, leetspeak, misspellings, dotted abbreviations (N.P.P);
    Spanish and Chinese names (some not in the registry); some offers are long product lists;
  * news-style mentions of the same substances (legal status only: listings, dates, seizures);
  * decoys for ambiguous abbreviations: steroid shop listings for "NPP" (nandrolone phenylpropionate,
    CAS 62-90-8) and 4-aminopyridine ("4-AP", fampridine, CAS 504-24-5) listings, a fifth of the latter
    4-aminophenol ("4-AP", CAS 123-30-8), which the ordinary catalogue also sells.
The text holds identities, trade terms and legal status only: no synthesis routes or reaction steps.

--labels PATH writes the ground truth as TSV (id, kind, substance, tags) for every record that is not a
plain ordinary listing: kind = offer | news | npp-steroid | 4-aminopyridine | catalogue-registry.
"""
import argparse
import json
import random
import sys
import time

# name;CAS RN;form (S solid, L liquid). Ordinary chemicals, all CAS RNs pass the check digit (asserted below).
ORDINARY = """
Acetonitrile;75-05-8;L
Methanol;67-56-1;L
Ethanol;64-17-5;L
Isopropanol;67-63-0;L
n-Butanol;71-36-3;L
Ethyl acetate;141-78-6;L
Dichloromethane;75-09-2;L
Chloroform;67-66-3;L
Tetrahydrofuran;109-99-9;L
N,N-Dimethylformamide;68-12-2;L
Dimethyl sulfoxide;67-68-5;L
n-Hexane;110-54-3;L
Cyclohexane;110-82-7;L
n-Heptane;142-82-5;L
Xylene;1330-20-7;L
Benzene;71-43-2;L
1,4-Dioxane;123-91-1;L
N-Methyl-2-pyrrolidone;872-50-4;L
Acetic acid;64-19-7;L
Formic acid;64-18-6;L
Propionic acid;79-09-4;L
Ethylene glycol;107-21-1;L
Propylene glycol;57-55-6;L
Glycerol;56-81-5;L
Diethylene glycol;111-46-6;L
Triethylamine;121-44-8;L
Pyridine;110-86-1;L
Aniline;62-53-3;L
Phenol;108-95-2;S
Benzaldehyde;100-52-7;L
Benzyl alcohol;100-51-6;L
Benzyl chloride;100-44-7;L
Benzoic acid;65-85-0;S
Salicylic acid;69-72-7;S
Acetylsalicylic acid;50-78-2;S
Methyl salicylate;119-36-8;L
Citric acid;77-92-9;S
Citric acid monohydrate;5949-29-1;S
Lactic acid;50-21-5;L
Oxalic acid;144-62-7;S
L-Tartaric acid;87-69-4;S
DL-Malic acid;6915-15-7;S
Fumaric acid;110-17-8;S
Maleic anhydride;108-31-6;S
Succinic acid;110-15-6;S
Adipic acid;124-04-9;S
Sorbic acid;110-44-1;S
Potassium sorbate;24634-61-5;S
Sodium benzoate;532-32-1;S
Ascorbic acid;50-81-7;S
Nicotinamide;98-92-0;S
Nicotinic acid;59-67-6;S
Thiamine hydrochloride;67-03-8;S
Riboflavin;83-88-5;S
Pyridoxine hydrochloride;58-56-0;S
Folic acid;59-30-3;S
Cyanocobalamin;68-19-9;S
Biotin;58-85-5;S
Caffeine;58-08-2;S
Taurine;107-35-7;S
Glycine;56-40-6;S
L-Lysine hydrochloride;657-27-2;S
L-Glutamine;56-85-9;S
L-Arginine;74-79-3;S
L-Leucine;61-90-5;S
L-Cysteine;52-90-4;S
L-Tyrosine;60-18-4;S
L-Tryptophan;73-22-3;S
L-Carnitine;541-15-1;S
Creatine monohydrate;6020-87-7;S
Urea;57-13-6;S
D-Glucose;50-99-7;S
Sucrose;57-50-1;S
Sorbitol;50-70-4;S
Mannitol;69-65-8;S
Xylitol;87-99-0;S
Erythritol;149-32-6;S
Sodium chloride;7647-14-5;S
Potassium chloride;7447-40-7;S
Calcium chloride;10043-52-4;S
Magnesium chloride hexahydrate;7791-18-6;S
Sodium hydroxide;1310-73-2;S
Potassium hydroxide;1310-58-3;S
Sodium carbonate;497-19-8;S
Sodium bicarbonate;144-55-8;S
Potassium carbonate;584-08-7;S
Calcium carbonate;471-34-1;S
Magnesium sulfate heptahydrate;10034-99-8;S
Sodium sulfate;7757-82-6;S
Copper(II) sulfate pentahydrate;7758-99-8;S
Zinc sulfate;7733-02-0;S
Ferrous sulfate heptahydrate;7782-63-0;S
Ferric chloride;7705-08-0;S
Aluminium sulfate;10043-01-3;S
Aluminium chloride;7446-70-0;S
Ammonium chloride;12125-02-9;S
Ammonium sulfate;7783-20-2;S
Ammonium bicarbonate;1066-33-7;S
Potassium nitrate;7757-79-1;S
Sodium nitrate;7631-99-4;S
Sodium nitrite;7632-00-0;S
Nitric acid;7697-37-2;L
Phosphoric acid;7664-38-2;L
Boric acid;10043-35-3;S
Borax decahydrate;1303-96-4;S
Hydrogen peroxide;7722-84-1;L
Sodium hypochlorite;7681-52-9;L
Calcium hypochlorite;7778-54-3;S
Trisodium phosphate;7601-54-9;S
Sodium tripolyphosphate;7758-29-4;S
Monopotassium phosphate;7778-77-0;S
Diammonium phosphate;7783-28-0;S
Sodium silicate;1344-09-8;S
Titanium dioxide;13463-67-7;S
Zinc oxide;1314-13-2;S
Iron(III) oxide;1309-37-1;S
Fumed silica;112945-52-5;S
Activated carbon;7440-44-0;S
Sodium thiosulfate;7772-98-7;S
Sodium metabisulfite;7681-57-4;S
Sodium sulfite;7757-83-7;S
Potassium iodide;7681-11-0;S
Iodine;7553-56-2;S
Silver nitrate;7761-88-8;S
Sodium acetate;127-09-3;S
Trisodium citrate dihydrate;6132-04-3;S
Tripotassium citrate;866-84-2;S
Calcium gluconate;299-28-5;S
Sodium gluconate;527-07-1;S
EDTA disodium salt dihydrate;6381-92-6;S
Ethylenediaminetetraacetic acid;60-00-4;S
Sodium dodecyl sulfate;151-21-3;S
Sodium lauryl ether sulfate;9004-82-4;L
Polyethylene glycol 400;25322-68-3;L
Polyvinyl alcohol;9002-89-5;S
Polyvinylpyrrolidone K30;9003-39-8;S
Carboxymethyl cellulose sodium;9004-32-4;S
Hydroxypropyl methylcellulose;9004-65-3;S
Microcrystalline cellulose;9004-34-6;S
Xanthan gum;11138-66-2;S
Guar gum;9000-30-0;S
Gum arabic;9000-01-5;S
Agar;9002-18-0;S
Gelatin;9000-70-8;S
Pectin;9000-69-5;S
Chitosan;9012-76-4;S
Sodium alginate;9005-38-3;S
Carrageenan;9000-07-1;S
Stearic acid;57-11-4;S
Oleic acid;112-80-1;L
Palmitic acid;57-10-3;S
Lauric acid;143-07-7;S
Glyceryl monostearate;31566-31-1;S
Cetyl alcohol;36653-82-4;S
Stearyl alcohol;112-92-5;S
Isopropyl myristate;110-27-0;L
Dimethicone;9006-65-9;L
Paraffin wax;8002-74-2;S
Lanolin;8006-54-0;S
L-Menthol;2216-51-5;S
Camphor;76-22-2;S
Vanillin;121-33-5;S
Ethyl vanillin;121-32-4;S
Coumarin;91-64-5;S
Cinnamaldehyde;104-55-2;L
Eugenol;97-53-0;L
D-Limonene;5989-27-5;L
Linalool;78-70-6;L
Geraniol;106-24-1;L
Citral;5392-40-5;L
Benzyl benzoate;120-51-4;L
Ethyl butyrate;105-54-4;L
Isoamyl acetate;123-92-2;L
Maltol;118-71-8;S
Ethyl maltol;4940-11-8;S
Thymol;89-83-8;S
Hydroquinone;123-31-9;S
Resorcinol;108-46-3;S
Catechol;120-80-9;S
Pyrogallol;87-66-1;S
Gallic acid;149-91-7;S
Tannic acid;1401-55-4;S
4-Aminophenol;123-30-8;S
Paracetamol;103-90-2;S
Ibuprofen;15687-27-1;S
Metformin hydrochloride;1115-70-4;S
Amoxicillin trihydrate;61336-70-7;S
Diclofenac sodium;15307-79-6;S
Omeprazole;73590-58-6;S
Loratadine;79794-75-5;S
Lidocaine;137-58-6;S
Lidocaine hydrochloride;73-78-9;S
Procaine hydrochloride;51-05-8;S
Benzocaine;94-09-7;S
Tetracaine hydrochloride;136-47-0;S
Dexamethasone;50-02-2;S
Hydrocortisone;50-23-7;S
Prednisolone;50-24-8;S
Melatonin;73-31-4;S
Minoxidil;38304-91-5;S
Finasteride;98319-26-7;S
Sildenafil citrate;171599-83-0;S
Tadalafil;171596-29-5;S
Levamisole hydrochloride;16595-80-5;S
Praziquantel;55268-74-1;S
Albendazole;54965-21-8;S
Ivermectin;70288-86-7;S
Metronidazole;443-48-1;S
Chloramphenicol;56-75-7;S
Tetracycline hydrochloride;64-75-5;S
Doxycycline hyclate;24390-14-5;S
Ciprofloxacin hydrochloride;86393-32-0;S
Enrofloxacin;93106-60-6;S
Florfenicol;73231-34-2;S
Tylosin tartrate;74610-55-2;S
Sulfamethoxazole;723-46-6;S
Trimethoprim;738-70-5;S
Nystatin;1400-61-9;S
Clotrimazole;23593-75-1;S
Fluconazole;86386-73-4;S
Povidone iodine;25655-41-8;S
Chlorhexidine gluconate;18472-51-0;L
Benzalkonium chloride;8001-54-5;L
Triclosan;3380-34-5;S
Glutaraldehyde;111-30-8;L
Formaldehyde solution;50-00-0;L
Hexamethylenetetramine;100-97-0;S
Melamine;108-78-1;S
Phthalic anhydride;85-44-9;S
Bisphenol A;80-05-7;S
Styrene;100-42-5;L
Methyl methacrylate;80-62-6;L
Acrylic acid;79-10-7;L
Acrylamide;79-06-1;S
Vinyl acetate;108-05-4;L
Epichlorohydrin;106-89-8;L
Toluene diisocyanate;584-84-9;L
Dibutyl phthalate;84-74-2;L
Bis(2-ethylhexyl) phthalate;117-81-7;L
Triphenyl phosphate;115-86-6;S
Tributyl phosphate;126-73-8;L
2-Ethylhexanol;104-76-7;L
n-Butyl acetate;123-86-4;L
Methyl isobutyl ketone;108-10-1;L
Cyclohexanone;108-94-1;L
Acetophenone;98-86-2;L
Benzophenone;119-61-9;S
Nitrobenzene;98-95-3;L
Chlorobenzene;108-90-7;L
1,2-Dichloroethane;107-06-2;L
Trichloroethylene;79-01-6;L
Tetrachloroethylene;127-18-4;L
Carbon tetrachloride;56-23-5;L
Dimethyl carbonate;616-38-6;L
Diethyl carbonate;105-58-8;L
Propylene carbonate;108-32-7;L
Ethylene carbonate;96-49-1;S
Sulfolane;126-33-0;L
Morpholine;110-91-8;L
N-Methylmorpholine;109-02-4;L
Diethanolamine;111-42-2;L
Triethanolamine;102-71-6;L
Monoethanolamine;141-43-5;L
Ethylenediamine;107-15-3;L
Diisopropylamine;108-18-9;L
Dimethylamine hydrochloride;506-59-2;S
Trimethylamine hydrochloride;593-81-7;S
Imidazole;288-32-4;S
Benzotriazole;95-14-7;S
2-Mercaptobenzothiazole;149-30-4;S
Thiourea;62-56-6;S
Sulfamic acid;5329-14-6;S
Chloroacetic acid;79-11-8;S
Trichloroacetic acid;76-03-9;S
Trifluoroacetic acid;76-05-1;L
Methanesulfonic acid;75-75-2;L
p-Toluenesulfonic acid monohydrate;6192-52-5;S
Benzenesulfonic acid;98-11-3;S
Sodium methoxide;124-41-4;S
Sodium borohydride;16940-66-2;S
Lithium chloride;7447-41-8;S
Lithium carbonate;554-13-2;S
Lithium hydroxide monohydrate;1310-66-3;S
Cobalt(II) chloride hexahydrate;7791-13-1;S
Nickel sulfate hexahydrate;10101-97-0;S
Manganese sulfate monohydrate;10034-96-5;S
Potassium dichromate;7778-50-9;S
Ammonium molybdate tetrahydrate;12054-85-2;S
Sodium molybdate dihydrate;10102-40-6;S
Barium sulfate;7727-43-7;S
Barium chloride dihydrate;10326-27-9;S
Strontium carbonate;1633-05-2;S
Cerium(IV) oxide;1306-38-3;S
Zirconium oxychloride octahydrate;13520-92-8;S
Tin(II) chloride dihydrate;10025-69-1;S
Bismuth subnitrate;1304-85-4;S
Graphite;7782-42-5;S
Sulfur;7704-34-9;S
Urea phosphate;4861-19-2;S
Potassium sulfate;7778-80-5;S
Calcium nitrate tetrahydrate;13477-34-4;S
Magnesium oxide;1309-48-4;S
Calcium hydroxide;1305-62-0;S
Calcium oxide;1305-78-8;S
Sodium fluoride;7681-49-4;S
Potassium bromide;7758-02-3;S
Sodium bromide;7647-15-6;S
Cesium chloride;7647-17-8;S
Glycolic acid;79-14-1;L
Sodium hyaluronate;9067-32-7;S
Kojic acid;501-30-4;S
Alpha-arbutin;84380-01-8;S
Tranexamic acid;1197-18-8;S
Allantoin;97-59-6;S
D-Panthenol;81-13-0;L
DL-alpha-Tocopherol;59-02-9;L
Retinol;68-26-8;S
Coenzyme Q10;303-98-0;S
Resveratrol;501-36-0;S
Quercetin;117-39-5;S
Curcumin;458-37-7;S
Rutin;153-18-4;S
Berberine hydrochloride;633-65-8;S
Genistein;446-72-0;S
Lutein;127-40-2;S
Astaxanthin;472-61-7;S
beta-Carotene;7235-40-7;S
Sodium copper chlorophyllin;11006-34-1;S
Inositol;87-89-8;S
Choline chloride;67-48-1;S
Betaine anhydrous;107-43-7;S
Monosodium glutamate;142-47-2;S
Aspartame;22839-47-0;S
Sucralose;56038-13-2;S
Saccharin sodium;128-44-9;S
Acesulfame potassium;55589-62-3;S
Stevioside;57817-89-7;S
Sodium cyclamate;139-05-9;S
Calcium propionate;4075-81-4;S
Sodium propionate;137-40-6;S
Propyl gallate;121-79-9;S
Butylated hydroxytoluene;128-37-0;S
Butylated hydroxyanisole;25013-16-5;S
tert-Butylhydroquinone;1948-33-0;S
Methylparaben;99-76-3;S
Propylparaben;94-13-3;S
Phenoxyethanol;122-99-6;L
Dehydroacetic acid;520-45-6;S
Nisin;1414-45-5;S
Natamycin;7681-93-8;S
Glucono delta-lactone;90-80-2;S
Trehalose dihydrate;6138-23-4;S
Maltodextrin;9050-36-6;S
Dextrose monohydrate;5996-10-1;S
Lactose monohydrate;64044-51-5;S
D-Fructose;57-48-7;S
Soluble starch;9005-84-9;S
Cellulose acetate;9004-35-7;S
Polyacrylamide;9003-05-8;S
Polyaluminium chloride;1327-41-9;S
Sodium polyacrylate;9003-04-7;S
Carbomer 940;9007-20-9;S
Triacetin;102-76-1;L
Triethyl citrate;77-93-0;L
Diethyl phthalate;84-66-2;L
Ethyl lactate;97-64-3;L
Methyl acetate;79-20-9;L
Acetylacetone;123-54-6;L
Furfural;98-01-1;L
Furfuryl alcohol;98-00-0;L
2-Methyltetrahydrofuran;96-47-9;L
tert-Butyl methyl ether;1634-04-4;L
Anisole;100-66-3;L
Diphenyl ether;101-84-8;S
Naphthalene;91-20-3;S
Anthracene;120-12-7;S
Biphenyl;92-52-4;S
Indole;120-72-9;S
Quinoline;91-22-5;L
Isatin;91-56-5;S
Phthalimide;85-41-6;S
Succinimide;123-56-8;S
N-Bromosuccinimide;128-08-5;S
N-Chlorosuccinimide;128-09-6;S
Benzoyl peroxide;94-36-0;S
Azobisisobutyronitrile;78-67-1;S
Tetrabutylammonium bromide;1643-19-2;S
Cetyltrimethylammonium bromide;57-09-0;S
Triphenylphosphine;603-35-0;S
Palladium(II) acetate;3375-31-3;S
Tetrakis(triphenylphosphine)palladium(0);14221-01-3;S
Copper(I) iodide;7681-65-4;S
Zinc chloride;7646-85-7;S
Magnesium stearate;557-04-0;S
Calcium stearate;1592-23-0;S
Zinc stearate;557-05-1;S
Sodium stearate;822-16-2;S
Silicon dioxide;7631-86-9;S
Talc;14807-96-6;S
Kaolin;1332-58-7;S
Bentonite;1302-78-9;S
Diatomaceous earth;61790-53-2;S
Methylene blue;61-73-4;S
Crystal violet;548-62-9;S
Rhodamine B;81-88-9;S
Fluorescein;2321-07-5;S
Phenolphthalein;77-09-8;S
Bromothymol blue;76-59-5;S
Congo red;573-58-0;S
Eosin Y;17372-87-1;S
Tartrazine;1934-21-0;S
Sunset yellow FCF;2783-94-0;S
Allura red AC;25956-17-6;S
Brilliant blue FCF;3844-45-9;S
Indigo;482-89-3;S
Tris(hydroxymethyl)aminomethane;77-86-1;S
HEPES;7365-45-9;S
Bovine serum albumin;9048-46-8;S
Trypsin;9002-07-7;S
Lysozyme;12650-88-3;S
Pepsin;9001-75-6;S
Papain;9001-73-4;S
Guanidine hydrochloride;50-01-1;S
Dithiothreitol;3483-12-3;S
2-Mercaptoethanol;60-24-2;L
Benzoyl chloride;98-88-4;L
Hydrazine hydrate;7803-57-8;L
Sodium hydride;7646-69-7;S
Potassium tert-butoxide;865-47-4;S
n-Butyllithium;109-72-8;L
4-Dimethylaminopyridine;1122-58-3;S
DBU;6674-22-2;L
N,N'-Dicyclohexylcarbodiimide;538-75-0;S
Di-tert-butyl dicarbonate;24424-99-5;S
2-Aminopyridine;504-29-0;S
3-Aminopyridine;462-08-8;S
Isonicotinic acid;55-22-1;S
Piperazine;110-85-0;S
1-Methylpiperazine;109-01-3;L
1-Boc-piperazine;57260-71-6;S
4-Hydroxypiperidine;5382-16-1;S
Isonipecotamide;39546-32-2;S
Ethyl isonipecotate;1126-09-6;L
4-Methylpiperidine;626-58-4;L
Pyrrolidine;123-75-1;L
Cyclohexylamine;108-91-8;L
Benzylamine;100-46-9;L
2-Phenylethanol;60-12-8;L
4-Methoxyphenol;150-76-5;S
2,6-Di-tert-butylphenol;128-39-2;S
1-Octanol;111-87-5;L
1-Decanol;112-30-1;L
1-Dodecanol;112-53-8;L
Triethyl orthoformate;122-51-0;L
Trimethyl orthoformate;149-73-5;L
Malononitrile;109-77-3;S
Ethyl acetoacetate;141-97-9;L
Diethyl malonate;105-53-3;L
Dimethyl malonate;108-59-8;L
Ethyl chloroacetate;105-39-5;L
Methyl benzoate;93-58-3;L
Ethyl benzoate;93-89-0;L
Benzonitrile;100-47-0;L
4-Nitrophenol;100-02-7;S
2-Nitrotoluene;88-72-2;L
4-Chloroaniline;106-47-8;S
2,4-Dichlorophenol;120-83-2;S
Glyphosate;1071-83-6;S
Atrazine;1912-24-9;S
Imidacloprid;138261-41-3;S
Chlorpyrifos;2921-88-2;S
Abamectin;71751-41-2;S
Cypermethrin;52315-07-8;L
Mancozeb;8018-01-7;S
Carbendazim;10605-21-7;S
Tebuconazole;107534-96-3;S
2,4-Dichlorophenoxyacetic acid;94-75-7;S
Gibberellic acid;77-06-5;S
Indole-3-butyric acid;133-32-4;S
1-Naphthaleneacetic acid;86-87-3;S
6-Benzylaminopurine;1214-39-7;S
Kinetin;525-79-1;S
Humic acid;1415-93-6;S
Ethephon;16672-87-0;L
Paclobutrazol;76738-62-0;S
Chlormequat chloride;999-81-5;S
"""

# Registry-listed industrial chemicals that legitimate catalogues sell every day (registry id in the 4th field).
REGISTRY_INDUSTRIAL = """
Acetone;67-64-1;L;acetone
Toluene;108-88-3;L;toluene
Sulfuric acid 98%;7664-93-9;L;sulphuric-acid
Hydrochloric acid 37%;7647-01-0;L;hydrochloric-acid
Methyl ethyl ketone;78-93-3;L;methyl-ethyl-ketone
Diethyl ether;60-29-7;L;ethyl-ether
Piperidine;110-89-4;L;piperidine
Potassium permanganate;7722-64-7;S;potassium-permanganate
Acetic anhydride;108-24-7;L;acetic-anhydride
Propionic anhydride;123-62-6;L;propionic-anhydride
Phenylacetic acid;103-82-2;S;phenylacetic-acid
Anthranilic acid;118-92-3;S;anthranilic-acid
Piperonal (heliotropin);120-57-0;S;piperonal
"""

ZH = {
    "Acetonitrile": "乙腈", "Methanol": "甲醇", "Ethanol": "乙醇", "Isopropanol": "异丙醇", "Ethyl acetate": "乙酸乙酯",
    "Dichloromethane": "二氯甲烷", "Chloroform": "三氯甲烷", "Tetrahydrofuran": "四氢呋喃",
    "N,N-Dimethylformamide": "N,N-二甲基甲酰胺", "Dimethyl sulfoxide": "二甲基亚砜", "n-Hexane": "正己烷",
    "Cyclohexane": "环己烷", "Acetic acid": "冰乙酸", "Formic acid": "甲酸", "Ethylene glycol": "乙二醇",
    "Propylene glycol": "丙二醇", "Glycerol": "甘油", "Triethylamine": "三乙胺", "Pyridine": "吡啶", "Aniline": "苯胺",
    "Phenol": "苯酚", "Benzaldehyde": "苯甲醛", "Benzyl alcohol": "苯甲醇", "Benzoic acid": "苯甲酸",
    "Salicylic acid": "水杨酸", "Citric acid": "柠檬酸", "Lactic acid": "乳酸", "Oxalic acid": "草酸",
    "Ascorbic acid": "维生素C", "Nicotinamide": "烟酰胺", "Caffeine": "咖啡因", "Taurine": "牛磺酸", "Glycine": "甘氨酸",
    "Urea": "尿素", "Sodium chloride": "氯化钠", "Potassium chloride": "氯化钾", "Calcium chloride": "氯化钙",
    "Sodium hydroxide": "氢氧化钠", "Potassium hydroxide": "氢氧化钾", "Sodium carbonate": "碳酸钠",
    "Sodium bicarbonate": "碳酸氢钠", "Potassium carbonate": "碳酸钾", "Calcium carbonate": "碳酸钙",
    "Copper(II) sulfate pentahydrate": "五水硫酸铜", "Ferric chloride": "三氯化铁", "Ammonium chloride": "氯化铵",
    "Potassium nitrate": "硝酸钾", "Nitric acid": "硝酸", "Phosphoric acid": "磷酸", "Boric acid": "硼酸",
    "Hydrogen peroxide": "过氧化氢", "Titanium dioxide": "二氧化钛", "Zinc oxide": "氧化锌",
    "Sodium thiosulfate": "硫代硫酸钠", "Vanillin": "香兰素", "L-Menthol": "L-薄荷醇", "Melamine": "三聚氰胺",
    "Styrene": "苯乙烯", "Morpholine": "吗啉", "Triethanolamine": "三乙醇胺", "Thiourea": "硫脲", "Xanthan gum": "黄原胶",
    "Stearic acid": "硬脂酸", "Magnesium stearate": "硬脂酸镁", "Sodium hyaluronate": "透明质酸钠", "Kojic acid": "曲酸",
    "Tranexamic acid": "氨甲环酸", "Coenzyme Q10": "辅酶Q10", "Resveratrol": "白藜芦醇", "Curcumin": "姜黄素",
    "Choline chloride": "氯化胆碱", "Monosodium glutamate": "谷氨酸钠", "Sucralose": "三氯蔗糖", "Aspartame": "阿斯巴甜",
    "Paracetamol": "对乙酰氨基酚", "Ibuprofen": "布洛芬", "Metformin hydrochloride": "盐酸二甲双胍",
    "Lidocaine": "利多卡因", "Lidocaine hydrochloride": "盐酸利多卡因", "Benzocaine": "苯佐卡因", "Melatonin": "褪黑素",
    "Piperazine": "哌嗪", "Glyphosate": "草甘膦", "Imidacloprid": "吡虫啉", "Gibberellic acid": "赤霉酸",
    "Sodium benzoate": "苯甲酸钠", "Potassium sorbate": "山梨酸钾", "Magnesium sulfate heptahydrate": "七水硫酸镁",
    "Sodium sulfate": "无水硫酸钠", "Ammonium sulfate": "硫酸铵", "Ferrous sulfate heptahydrate": "七水硫酸亚铁",
    "Polyacrylamide": "聚丙烯酰胺", "Polyaluminium chloride": "聚合氯化铝", "Sodium hypochlorite": "次氯酸钠",
    "Activated carbon": "活性炭", "Silver nitrate": "硝酸银", "Iodine": "碘", "Lithium carbonate": "碳酸锂",
    "Sodium nitrite": "亚硝酸钠", "Zinc chloride": "氯化锌", "Naphthalene": "萘", "Methylene blue": "亚甲基蓝",
    "Acetone": "丙酮", "Toluene": "甲苯", "Sulfuric acid 98%": "硫酸 98%", "Hydrochloric acid 37%": "盐酸 37%",
    "Methyl ethyl ketone": "丁酮", "Diethyl ether": "乙醚", "Piperidine": "哌啶", "Potassium permanganate": "高锰酸钾",
    "Acetic anhydride": "醋酸酐", "Propionic anhydride": "丙酸酐", "Phenylacetic acid": "苯乙酸",
    "Anthranilic acid": "邻氨基苯甲酸", "Piperonal (heliotropin)": "胡椒醛", "4-Aminophenol": "对氨基苯酚",
    "Dexamethasone": "地塞米松", "Finasteride": "非那雄胺", "Minoxidil": "米诺地尔", "Ivermectin": "伊维菌素",
}
ES = {
    "Acetonitrile": "Acetonitrilo", "Methanol": "Metanol", "Ethanol": "Etanol", "Isopropanol": "Alcohol isopropílico",
    "Ethyl acetate": "Acetato de etilo", "Dichloromethane": "Diclorometano", "Chloroform": "Cloroformo",
    "Tetrahydrofuran": "Tetrahidrofurano", "Acetic acid": "Ácido acético glacial", "Formic acid": "Ácido fórmico",
    "Ethylene glycol": "Etilenglicol", "Propylene glycol": "Propilenglicol", "Glycerol": "Glicerina",
    "Triethylamine": "Trietilamina", "Pyridine": "Piridina", "Aniline": "Anilina", "Phenol": "Fenol",
    "Benzaldehyde": "Benzaldehído", "Benzyl alcohol": "Alcohol bencílico", "Benzoic acid": "Ácido benzoico",
    "Salicylic acid": "Ácido salicílico", "Citric acid": "Ácido cítrico", "Lactic acid": "Ácido láctico",
    "Oxalic acid": "Ácido oxálico", "Ascorbic acid": "Ácido ascórbico", "Caffeine": "Cafeína", "Taurine": "Taurina",
    "Glycine": "Glicina", "Urea": "Urea", "Sodium chloride": "Cloruro de sodio", "Potassium chloride": "Cloruro de potasio",
    "Calcium chloride": "Cloruro de calcio", "Sodium hydroxide": "Hidróxido de sodio (sosa cáustica)",
    "Potassium hydroxide": "Hidróxido de potasio", "Sodium carbonate": "Carbonato de sodio",
    "Sodium bicarbonate": "Bicarbonato de sodio", "Calcium carbonate": "Carbonato de calcio",
    "Copper(II) sulfate pentahydrate": "Sulfato de cobre pentahidratado", "Ferric chloride": "Cloruro férrico",
    "Potassium nitrate": "Nitrato de potasio", "Nitric acid": "Ácido nítrico", "Phosphoric acid": "Ácido fosfórico",
    "Boric acid": "Ácido bórico", "Hydrogen peroxide": "Peróxido de hidrógeno", "Titanium dioxide": "Dióxido de titanio",
    "Zinc oxide": "Óxido de zinc", "Sodium thiosulfate": "Tiosulfato de sodio", "Vanillin": "Vainillina",
    "L-Menthol": "Mentol", "Melamine": "Melamina", "Styrene": "Estireno", "Morpholine": "Morfolina",
    "Triethanolamine": "Trietanolamina", "Xanthan gum": "Goma xantana", "Stearic acid": "Ácido esteárico",
    "Magnesium stearate": "Estearato de magnesio", "Paracetamol": "Paracetamol", "Ibuprofen": "Ibuprofeno",
    "Lidocaine": "Lidocaína", "Benzocaine": "Benzocaína", "Melatonin": "Melatonina", "Glyphosate": "Glifosato",
    "Sodium benzoate": "Benzoato de sodio", "Potassium sorbate": "Sorbato de potasio",
    "Magnesium sulfate heptahydrate": "Sulfato de magnesio", "Sodium sulfate": "Sulfato de sodio",
    "Monosodium glutamate": "Glutamato monosódico", "Activated carbon": "Carbón activado",
    "Sodium hypochlorite": "Hipoclorito de sodio", "Acetone": "Acetona", "Toluene": "Tolueno",
    "Sulfuric acid 98%": "Ácido sulfúrico 98%", "Hydrochloric acid 37%": "Ácido clorhídrico 37%",
    "Methyl ethyl ketone": "Metil etil cetona", "Diethyl ether": "Éter etílico", "Piperidine": "Piperidina",
    "Potassium permanganate": "Permanganato de potasio", "Acetic anhydride": "Anhídrido acético",
    "Propionic anhydride": "Anhídrido propiónico", "Phenylacetic acid": "Ácido fenilacético",
    "Anthranilic acid": "Ácido antranílico", "Piperonal (heliotropin)": "Piperonal",
}

# Controlled precursors offered in the corpus: (registry id, weight, English names, abbreviations, CAS RNs,
# Spanish names, Chinese names, form). Some Spanish/Chinese names are deliberately absent from the registry.
PRECURSORS = [
    ("npp", 22, ["N-Phenethyl-4-piperidone", "1-Phenethyl-4-piperidone", "N-phenethyl-4-piperidinone",
                 "1-(2-phenylethyl)-4-piperidinone", "phenethylpiperidone"], ["NPP"], ["39742-60-4"],
     ["N-fenetil-4-piperidona", "N-fenetil-4-piperidona (NPP)"], ["N-苯乙基-4-哌啶酮", "1-苯乙基-4-哌啶酮"], "S"),
    ("4-ap", 15, ["4-Anilinopiperidine", "N-phenylpiperidin-4-amine", "N-phenyl-4-piperidinamine",
                  "4-(phenylamino)piperidine", "4-anilinopiperidine dihydrochloride"], ["4-AP"],
     ["23056-29-3", "99918-43-1"], ["N-Fenil-4-Piperidinamina", "4-anilinopiperidina"], ["4-苯胺基哌啶"], "S"),
    ("1-boc-4-ap", 12, ["tert-Butyl 4-anilinopiperidine-1-carboxylate", "1-Boc-4-(phenylamino)piperidine",
                        "4-anilino-1-Boc-piperidine"], ["1-Boc-4-AP", "N-Boc-4-AP", "Boc-4-AP"], ["125541-22-2"],
     ["1-Boc-4-AP", "4-anilino-1-Boc-piperidina"], ["1-叔丁氧羰基-4-苯胺基哌啶", "1-Boc-4-苯胺基哌啶"], "S"),
    ("anpp", 12, ["4-Anilino-N-phenethylpiperidine", "despropionyl fentanyl",
                  "N-phenyl-1-(2-phenylethyl)piperidin-4-amine"], ["4-ANPP", "ANPP"], ["21409-26-7"],
     ["4-anilino-N-fenetilpiperidina", "ANPP"], ["4-苯胺基-N-苯乙基哌啶"], "S"),
    ("1-boc-4-piperidone", 8, ["1-Boc-4-piperidone", "N-Boc-4-piperidone", "tert-butyl 4-oxopiperidine-1-carboxylate"],
     ["Boc-4-piperidone"], ["79099-07-3"], ["1-Boc-4-piperidona"], ["1-叔丁氧羰基-4-哌啶酮", "N-Boc-4-哌啶酮"], "S"),
    ("4-piperidone", 8, ["4-Piperidone", "4-Piperidone monohydrate, HCl", "piperidin-4-one",
                         "4-piperidone hydrochloride monohydrate"], ["4-piperidone HCl"], ["41661-47-6", "40064-34-4"],
     ["4-piperidona", "clorhidrato de 4-piperidona"], ["4-哌啶酮", "4-哌啶酮盐酸盐一水合物"], "S"),
    ("norfentanyl", 5, ["Norfentanyl", "N-phenyl-N-(piperidin-4-yl)propanamide"], ["norfentanyl"], ["1609-66-1"],
     ["norfentanilo"], ["去甲芬太尼"], "S"),
    ("propionic-anhydride", 4, ["Propionic anhydride", "propanoic anhydride"], ["propionic anhydride"], ["123-62-6"],
     ["Anhídrido Propiónico"], ["丙酸酐"], "L"),
    ("benzylfentanyl", 2, ["Benzylfentanyl", "N-(1-benzylpiperidin-4-yl)-N-phenylpropanamide"], ["benzylfentanyl"],
     ["1474-02-8"], ["bencilfentanilo"], ["苄基芬太尼"], "S"),
    ("pmk-ethyl-glycidate", 4, ["PMK ethyl glycidate"], ["PMK glycidate", "new PMK"], ["28578-16-7"],
     ["PMK glicidato de etilo"], ["PMK乙基缩水甘油酸酯"], "L"),
    ("bmk-glycidic-acid-and-esters", 4, ["BMK glycidic acid", "BMK methyl glycidate"], ["BMK powder", "BMK glycidate"],
     ["5449-12-7", "80532-66-7"], ["ácido glicídico BMK"], ["BMK缩水甘油酸"], "S"),
    ("apaan", 2, ["alpha-Phenylacetoacetonitrile"], ["APAAN"], ["4468-48-8"], ["APAAN"], ["α-苯乙酰乙腈"], "S"),
    ("p2p", 1, ["Phenylacetone", "1-Phenyl-2-propanone"], ["P2P", "BMK oil"], ["103-79-7"], ["fenilacetona"],
     ["1-苯基-2-丙酮"], "L"),
    ("pseudoephedrine", 1, ["Pseudoephedrine HCl", "Pseudoephedrine"], ["PSE"], ["90-82-4"], ["pseudoefedrina"],
     ["伪麻黄碱"], "S"),
]

# News sentences: legal status only.
NEWS_FACTS = [
    ("npp", 2017, "N-phenethyl-4-piperidone (NPP, CAS 39742-60-4) and 4-ANPP were placed in Table I of the 1988 UN Convention in 2017"),
    ("npp", 2007, "NPP has been a List I chemical in the United States since 2007"),
    ("anpp", 2010, "4-anilino-N-phenethylpiperidine (ANPP, CAS 21409-26-7) is controlled in the United States as an immediate precursor in Schedule II"),
    ("4-ap", 2022, "the Commission on Narcotic Drugs added 4-AP (4-anilinopiperidine, CAS 23056-29-3), 1-boc-4-AP and norfentanyl to Table I of the 1988 Convention in March 2022"),
    ("4-ap", 2023, "4-anilinopiperidine and 1-boc-4-AP became category 1 scheduled substances in the EU under Delegated Regulation (EU) 2023/196"),
    ("1-boc-4-ap", 2024, "China placed 4-AP, 1-boc-4-AP (CAS 125541-22-2) and norfentanyl in category 2 of its precursor list from 1 September 2024"),
    ("4-piperidone", 2023, "the DEA designated 4-piperidone (CAS 41661-47-6) and its salts as List I chemicals in 2023"),
    ("1-boc-4-piperidone", 2025, "1-boc-4-piperidone (CAS 79099-07-3) was added to the EU category 1 list by Delegated Regulation (EU) 2025/1475"),
    ("fentanyl-related-substances-class", 2019, "China has controlled all fentanyl-related substances as a class since 1 May 2019"),
    ("norfentanyl", 2022, "norfentanyl (CAS 1609-66-1) has been listed in Table I of the 1988 Convention since 2022"),
]

# ---------------------------------------------------------------------------------------------------------
# Fragments
# ---------------------------------------------------------------------------------------------------------
PURITY = ["99%", "98%", "99.5%", "99.9%", "≥99%", "98% min", "99% min (HPLC)", "99.8% (GC)", "AR grade",
          "USP grade", "BP/EP grade", "food grade", "industrial grade", "reagent grade", "pharma grade",
          "tech grade 95%", "97%", "99.0-101.0%", "ACS reagent"]
APPEAR = {
    "S": ["white powder", "white crystalline powder", "off-white powder", "white to off-white crystals",
          "light yellow powder", "colourless crystals", "white granules", "fine white powder", "yellow crystalline powder"],
    "L": ["colourless liquid", "clear colourless liquid", "colorless transparent liquid", "light yellow liquid",
          "clear liquid", "colourless to pale yellow liquid"],
}
APPEAR_ZH = {"S": ["白色粉末", "白色结晶性粉末", "类白色粉末", "白色颗粒", "淡黄色粉末"],
             "L": ["无色透明液体", "无色液体", "淡黄色透明液体", "无色至淡黄色液体"]}
PACK = {
    "S": ["1kg/bag", "1kg/foil bag", "25kg/drum", "25kg/bag", "5kg/drum", "100g/bottle", "500g/bottle",
          "25kg/fiber drum", "as customer's requirement", "1kg/aluminium foil bag, 25kg/carton", "50kg/woven bag"],
    "L": ["200L/drum", "25kg/drum", "1L/bottle", "500ml/bottle", "IBC tote 1000L", "ISO tank", "180kg/drum",
          "2.5L glass bottle", "20L/jerrican"],
}
MOQ = ["1kg", "100g", "1 ton", "25kg", "10g", "5kg", "1 drum", "1 FCL", "no MOQ", "1 metric ton", "500kg"]
DELIVERY = ["within 3 days after payment", "7-15 working days", "in stock, ship in 24h", "by sea or air",
            "DHL/FedEx/UPS/EMS", "5-7 days by express", "15-30 days by sea", "door to door", "prompt shipment"]
PAYMENT = ["T/T", "L/C", "T/T, L/C", "Western Union", "PayPal", "T/T, Western Union, MoneyGram", "BTC, USDT",
           "Alibaba Trade Assurance", "D/P, T/T", "L/C at sight"]
ORIGIN = ["China", "India", "Germany", "USA", "Hubei, China", "Shandong, China", "Jiangsu, China",
          "Zhejiang, China", "Gujarat, India", "Maharashtra, India", "Netherlands", "Mexico", "Korea", "Japan"]
PORT = ["Shanghai", "Qingdao", "Tianjin", "Ningbo", "Shenzhen", "Nhava Sheva", "Mundra", "Hamburg", "Rotterdam",
        "Houston", "Manzanillo", "Busan"]
USE = {
    "S": ["pharmaceutical intermediate", "food additive", "cosmetic raw material", "feed additive",
          "water treatment agent", "agrochemical", "laboratory reagent", "dye intermediate", "nutritional supplement",
          "electroplating", "ceramics and glass", "rubber auxiliary", "API for human and veterinary use"],
    "L": ["industrial solvent", "extraction solvent", "coating and paint thinner", "chemical synthesis building block",
          "laboratory reagent", "cleaning agent", "plasticizer", "fragrance and flavour ingredient", "antifreeze"],
}
FIRST = ["lily", "amy", "sales", "info", "jack", "kevin", "grace", "anna", "tony", "linda", "coco", "helen",
         "mike", "sunny", "vicky", "emma", "david", "alice", "bella", "leo", "export", "trade", "judy", "nancy"]
MAILDOM = ["gmail.com", "163.com", "126.com", "qq.com", "outlook.com", "hotmail.com", "yahoo.com", "protonmail.com"]
DESC_EN = [
    "We are a professional manufacturer and supplier of fine chemicals with more than {n} years of experience.",
    "All products are tested by our QC department; COA, MSDS and TDS available on request.",
    "Free samples are available for quality evaluation.",
    "Store in a cool, dry and well-ventilated place away from direct sunlight and heat.",
    "Our factory is ISO 9001 certified and we have passed GMP inspection.",
    "Competitive price and stable supply, OEM service available.",
    "Please contact us for the latest price and technical data.",
    "Customized packaging and labelling are welcome.",
    "Shelf life: 24 months when stored properly in the original container.",
    "We have exported to more than {n} countries including USA, Germany, Brazil and Vietnam.",
    "Hazard class and UN number on request; DG shipping available.",
    "Bulk orders enjoy discounts; mixed containers accepted.",
    "Third-party inspection (SGS, BV) can be arranged.",
    "Technical support from our R&D team of {n} chemists.",
]
DESC_ES = [
    "Somos fabricante y distribuidor de productos químicos con más de {n} años de experiencia.",
    "Entregamos certificado de análisis (COA) y hoja de seguridad con cada lote.",
    "Almacenar en lugar fresco y seco, lejos de la luz solar directa.",
    "Precio competitivo y suministro estable; aceptamos pedidos a granel.",
    "Envíos a toda la República y a Centroamérica.",
    "Facturamos; pregunte por precios de mayoreo.",
    "Muestras gratis para evaluación de calidad.",
]
DESC_ZH = [
    "本公司是专业的精细化工生产厂家，拥有{n}年生产经验。",
    "产品质量稳定，可提供COA、MSDS等资料。",
    "现货供应，价格优惠，欢迎来电咨询。",
    "阴凉干燥处密封保存，避免阳光直射。",
    "支持小样试用，大货价格可谈。",
    "工厂直销，量大从优，全国包邮。",
    "可开增值税专用发票。",
]
COA_ITEMS = [("Appearance", ["Conforms", "White powder", "Clear liquid"]), ("Assay", ["99.6%", "99.2%", "99.85%", "98.9%"]),
             ("Loss on drying", ["0.12%", "0.3%", "≤0.5%"]), ("Heavy metals", ["<10 ppm", "≤20 ppm", "<5 ppm"]),
             ("Residue on ignition", ["0.05%", "≤0.1%"]), ("Water (KF)", ["0.08%", "0.2%", "≤0.5%"]),
             ("Melting point", ["Conforms", "within range"]), ("Identification (IR)", ["Positive", "Conforms"]),
             ("Chloride", ["<0.01%", "≤0.005%"]), ("Sulfate", ["<0.02%", "≤0.01%"]), ("Iron", ["<5 ppm", "≤10 ppm"]),
             ("Particle size", ["100% pass 80 mesh", "D90 < 50 µm"]), ("Microbial count", ["<100 cfu/g", "<1000 cfu/g"])]
LONG_PARAS = [
    "Company profile: {company} was founded in {year} and is located in the {zone} Chemical Industrial Park. The "
    "company covers an area of {area} square metres and has {staff} employees, including {n} senior engineers. Our "
    "main products are pharmaceutical intermediates, food additives, plant extracts and industrial chemicals. We "
    "have established long-term cooperation with customers in Europe, America, Southeast Asia and Africa, and our "
    "annual output exceeds {out} tons. Quality is our culture and customer satisfaction is our goal.",
    "Why choose us? 1. Factory price, no middleman. 2. Strict quality control: every batch is tested by HPLC, GC "
    "and NMR before shipment. 3. Fast delivery: large stock in our warehouse, shipment within {n} days. 4. "
    "Professional after-sales service: if there is any quality problem we will resend or refund. 5. Flexible "
    "payment terms for regular customers. 6. Samples available for testing.",
    "Shipping and delivery: small quantities (less than 50 kg) are shipped by express courier (DHL, FedEx, TNT, "
    "UPS, EMS) door to door, usually 5-7 working days. Large quantities are shipped by air to the nearest airport "
    "or by sea to the port of destination, 15-35 days. We can arrange customs clearance documents such as "
    "commercial invoice, packing list, certificate of origin and bill of lading. Tracking numbers are provided "
    "within 24 hours after dispatch.",
    "FAQ. Q: Are you a trading company or manufacturer? A: We are a manufacturer with our own factory and R&D "
    "centre. Q: How can I get a sample? A: Free samples of 10-20 g are available, the freight is paid by the "
    "customer. Q: What is your delivery time? A: Usually {n} days if the goods are in stock. Q: What are your "
    "payment terms? A: 30% deposit, balance before shipment; L/C at sight for large orders.",
    "Storage and handling: keep the container tightly closed in a dry and well-ventilated place. Avoid contact "
    "with skin and eyes. Avoid formation of dust and aerosols. Provide appropriate exhaust ventilation at places "
    "where dust is formed. Keep away from sources of ignition. Incompatible materials: strong oxidizing agents, "
    "strong acids and bases. Personal protection: safety glasses, chemical-resistant gloves, lab coat.",
    "Certificates: ISO 9001:2015, ISO 14001, REACH pre-registration, Halal, Kosher, FDA registration. Our "
    "laboratory is equipped with HPLC (Agilent 1260), GC (Shimadzu 2010), UV-Vis, Karl Fischer titrator, "
    "melting point apparatus and a 400 MHz NMR shared with the provincial university.",
    "Payment and terms: prices are quoted in USD, {inc} {port}, valid for {n} days. Accepted payment methods: "
    "T/T (bank transfer), L/C at sight, Western Union, PayPal (plus 5% fee). Orders above 1 ton enjoy a discount "
    "of {pct}%. Claims for quality must be made within 30 days after arrival with a third-party test report.",
    "Application: widely used in pharmaceutical, pesticide, dye, fragrance and fine chemical industries; also "
    "used as a laboratory reagent and analytical standard. Please consult our technical team for the "
    "specification that suits your process; we can supply different grades and particle sizes.",
    "Our team: more than {staff} sales representatives speak English, Spanish, Russian, Arabic and French. We "
    "attend CPHI Worldwide, ChemSpec Europe and ACHEMA every year; welcome to visit our booth and our factory. "
    "Online service 24/7 by email, WhatsApp and WeChat.",
]
ZONES = ["Binhai", "Lingang", "Jinshan", "Dongying", "Weifang", "Taixing", "Rudong", "Dahej", "Ankleshwar", "Zibo"]
INCOTERM = ["EXW", "FOB", "CIF", "CFR", "DDP", "DAP"]

# Seller names
PLACE = ["Hubei", "Shandong", "Jiangsu", "Zhejiang", "Hebei", "Henan", "Shanghai", "Wuhan", "Hangzhou",
         "Guangzhou", "Shenzhen", "Tianjin", "Nanjing", "Xi'an", "Chengdu", "Anhui", "Jinan", "Changzhou",
         "Mumbai", "Hyderabad", "Ahmedabad", "Vadodara", "Hamburg", "New Jersey", "Houston", "Rotterdam",
         "Monterrey", "Guadalajara", "Ciudad de México", "Busan", "Osaka"]
SYL = ["Jiu", "Xin", "Hua", "Yuan", "Sheng", "Kang", "Tai", "Rui", "Heng", "Bo", "Da", "Long", "Feng", "Jin",
       "Mei", "Tian", "Yi", "Zhong", "Hong", "An", "Kai", "Yu", "Chang", "Lan", "Shuo", "Xiang"]
WORD = ["Vanz", "Aoks", "Sincere", "Golden", "Apex", "Nova", "Prime", "Blue Ocean", "Greenway", "Sunrise", "Orient",
        "Unique", "Bright", "Evergreen", "Lotus", "Pioneer", "Vital", "Crystal", "Summit", "Alpha", "Zenith"]
KIND = ["Chemical Co., Ltd.", "Pharmaceutical Co., Ltd.", "Biotech Co., Ltd.", "New Material Technology Co., Ltd.",
        "Import & Export Co., Ltd.", "Trading Co., Ltd.", "Fine Chemicals Pvt. Ltd.", "Chemicals GmbH",
        "Industries Inc.", "Química S.A. de C.V.", "Biological Technology Co., Ltd.", "Chemicals LLC"]

# Offer fragments (marketplace wording; no chemistry).
OFFER_EN = [
    "Hot sale {name} {cas} high purity {pur}, safe delivery to {dest}. Contact: {contact}",
    "Buy {name} {cas} online | in stock | {pur} | MOQ {moq} | price {price} | fast shipping {ship} | {contact}",
    "Supply {name} {cas} powder {pur} with best price. 100% delivery guarantee to {dest}. {contact}",
    "{name} / {cas} / purity {pur} / stock {stock}kg / ship from {wh} warehouse / {contact}",
    "Factory supply high quality {name} {cas} in stock, discreet packaging, re-ship if seized. {contact}",
    "WHOLESALE {name} {cas} {pur} - door to door {dest} - {price} - contact {contact}",
    "Sell {name}, {cas}, {pur}. Good feedback from {dest} customers. Telegram/WhatsApp for price. {contact}",
    "{name} {pur} available now! {stock} kg in stock. Ship to {dest} within 24h. {contact}",
]
OFFER_ES = [
    "Venta de {name} {cas} pureza {pur}, envío seguro a {dest}. Contacto: {contact}",
    "Tenemos {name} {cas} en existencia, {stock} kg, entrega en {dest}. WhatsApp {contact}",
    "Vendo {name} {cas} calidad {pur}, precio por kilo, envío discreto a todo {dest}. {contact}",
    "{name} disponible, {cas}, pregunte precio de mayoreo. {contact}",
]
OFFER_ZH = [
    "供应 {name} {cas} 纯度{pur} 现货{stock}公斤 安全发货 {dest} 包清关 联系 {contact}",
    "{name} {cas} 厂家直销 大量现货 价格优惠 可发{dest} {contact}",
    "出售{name}，{cas}，含量{pur}，可发往{dest}，联系方式：{contact}",
    "{name} {cas} 高纯度 {pur} 双清包税到门 {dest} {contact}",
]
CAS_FMT = ["CAS {}", "CAS {}", "CAS NO. {}", "CAS: {}", "cas {}", "CAS#{}", "({})", "{}", "CAS No.{}"]
CAS_ZH = ["CAS:{}", "CAS号 {}", "CAS：{}", "{}"]
DEST_EN = ["USA, Mexico, Canada", "USA", "Mexico", "Canada", "Europe", "Australia", "UK, Germany, Netherlands",
           "worldwide", "USA and Mexico", "Russia, Kazakhstan", "Brazil"]
DEST_ES = ["México", "USA", "Estados Unidos y México", "Colombia", "Guatemala", "toda Latinoamérica"]
DEST_ZH = ["美国", "墨西哥", "加拿大", "欧洲", "澳大利亚", "全球"]
WAREHOUSE = ["USA", "Mexico", "Germany", "Netherlands", "Canada", "Poland", "China"]

# Obfuscation tables
HOMO = {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "i": "і",
        "A": "А", "B": "В", "E": "Е", "K": "К", "M": "М", "H": "Н", "O": "Ο", "P": "Р", "C": "С", "T": "Т",
        "X": "Х", "N": "Ν"}
ZW = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"]
LEET = {"o": "0", "O": "0", "i": "1", "I": "1", "e": "3", "E": "3", "a": "@", "l": "1", "s": "5", "S": "5"}
DASHES = ["–", "—", "‐", "‑", "_", "/", ".", " ", "~", "−"]


def cas_ok(rn):
    a, b, d = rn.split("-")
    s = a + b
    return sum((i + 1) * int(x) for i, x in enumerate(reversed(s))) % 10 == int(d)


def fullwidth(s):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in s)


class Gen:
    def __init__(self, seed, offer_share):
        self.r = random.Random(seed)
        r = self.r
        self.offer_share = offer_share
        chems = []
        for line in ORDINARY.strip().splitlines():
            name, cas, form = line.split(";")
            assert cas_ok(cas), (name, cas)
            chems.append((name, cas, form, None))
        for line in REGISTRY_INDUSTRIAL.strip().splitlines():
            name, cas, form, rid = line.split(";")
            assert cas_ok(cas), (name, cas)
            chems.append((name, cas, form, rid))
        self.chems = chems
        self.zh_chems = [c for c in chems if c[0] in ZH]
        self.es_chems = [c for c in chems if c[0] in ES]
        for p in PRECURSORS:
            for rn in p[4]:
                assert cas_ok(rn), (p[0], rn)
        self.prec = PRECURSORS
        self.prec_cum = []
        t = 0
        for p in PRECURSORS:
            t += p[1]
            self.prec_cum.append(t)
        self.prec_tot = t
        # seller pools (fixed by the seed)
        sellers = set()
        while len(sellers) < 6000:
            if r.random() < 0.7:
                core = r.choice(SYL) + r.choice(SYL).lower()
            else:
                core = r.choice(WORD)
            sellers.add(f"{r.choice(PLACE)} {core} {r.choice(KIND)}")
        self.sellers = sorted(sellers)
        r.shuffle(self.sellers)
        shady = []
        for i in range(150):
            if r.random() < 0.5:
                shady.append(f"{r.choice(FIRST)}_{r.choice(['chem', 'bio', 'pharm', 'lab', 'trade'])}{r.randint(1, 999)}")
            else:
                shady.append(f"{r.choice(PLACE)} {r.choice(SYL)}{r.choice(SYL).lower()} {r.choice(KIND)}")
        self.shady = shady
        # pre-formatted long paragraphs
        self.long_paras = []
        for _ in range(400):
            tpl = r.choice(LONG_PARAS)
            self.long_paras.append(tpl.format(
                company=r.choice(self.sellers), year=r.randint(1988, 2021), zone=r.choice(ZONES),
                area=r.randint(5, 300) * 1000, staff=r.randint(30, 900), n=r.randint(3, 30), out=r.randint(2, 80) * 100,
                inc=r.choice(INCOTERM), port=r.choice(PORT), pct=r.randint(2, 12)))
        self.desc_en = [d.replace("{n}", str(r.randint(5, 40))) for d in DESC_EN for _ in range(3)]
        self.desc_es = [d.replace("{n}", str(r.randint(5, 40))) for d in DESC_ES for _ in range(3)]
        self.desc_zh = [d.replace("{n}", str(r.randint(5, 40))) for d in DESC_ZH for _ in range(3)]
        self.counts = {}
        self.lang_counts = {"en": 0, "es": 0, "zh": 0}

    # ---- small pieces ------------------------------------------------------------------------------------
    def seller(self):
        r = self.r
        return self.sellers[int(len(self.sellers) * r.random() ** 2)]

    def contact(self):
        r = self.r
        k = r.random()
        if k < 0.3:
            return f"{r.choice(FIRST)}@{r.choice(MAILDOM)}, WhatsApp +86 1{r.randint(3, 9)}{r.randint(0, 999999999):09d}"
        if k < 0.5:
            return f"Tel +86-{r.randint(10, 999)}-{r.randint(1000000, 99999999)}, {r.choice(FIRST)}@{r.choice(MAILDOM)}"
        if k < 0.65:
            return f"WeChat: {r.choice(FIRST)}{r.randint(10, 9999)}, Skype: live:{r.choice(FIRST)}_{r.randint(1, 99)}"
        if k < 0.8:
            return f"Telegram @{r.choice(FIRST)}{r.choice(['chem', 'bio', 'pharma', 'lab'])}{r.randint(1, 999)}"
        if k < 0.9:
            return f"+91 {r.randint(70000, 99999)} {r.randint(10000, 99999)} (WhatsApp), {r.choice(FIRST)}@{r.choice(MAILDOM)}"
        return f"+52 55 {r.randint(1000, 9999)} {r.randint(1000, 9999)}, {r.choice(FIRST)}@{r.choice(MAILDOM)}"

    def price(self, form):
        r = self.r
        k = r.random()
        if k < 0.3:
            return f"USD {r.randint(1, 400)}.{r.randint(0, 99):02d}/kg"
        if k < 0.45:
            return f"US $ {r.randint(1, 50)}-{r.randint(51, 500)} / kg"
        if k < 0.6:
            return "Negotiable"
        if k < 0.7:
            return f"$ {r.randint(1, 90)}.{r.randint(0, 9)}/g"
        if k < 0.8:
            return f"{r.choice(INCOTERM)} {r.choice(PORT)} USD {r.randint(300, 9000)}/MT"
        if k < 0.9:
            return "price on request"
        return f"EUR {r.randint(2, 300)}/{'L' if form == 'L' else 'kg'}"

    # ---- record kinds ------------------------------------------------------------------------------------
    def catalogue(self, lang):
        r = self.r
        if lang == "zh":
            name, cas, form, rid = r.choice(self.zh_chems)
            nm = ZH[name]
            if r.random() < 0.5:
                nm = f"{nm} {name}"
            parts = [f"{nm} CAS:{cas}", f"含量：{r.choice(PURITY)}", f"外观：{r.choice(APPEAR_ZH[form])}",
                     f"包装：{r.choice(PACK[form])}", f"起订量：{r.choice(MOQ)}", f"价格：{r.choice(['面议', '电议', str(r.randint(5, 900)) + '元/公斤'])}",
                     f"产地：{r.choice(['湖北', '山东', '江苏', '浙江', '河北', '河南', '上海'])}",
                     f"联系：{self.contact()}"]
            if r.random() < 0.6:
                parts.append(r.choice(self.desc_zh))
            sep = r.choice(["\n", " ", "；", " | "])
            return sep.join(parts), rid
        if lang == "es":
            name, cas, form, rid = r.choice(self.es_chems)
            parts = [f"{ES[name]} CAS {cas}", f"Pureza: {r.choice(PURITY)}", f"Presentación: {r.choice(PACK[form])}",
                     f"Pedido mínimo: {r.choice(MOQ)}", f"Precio: {r.choice(['a consultar', 'MXN ' + str(r.randint(20, 9000)) + '/kg', 'USD ' + str(r.randint(1, 300)) + '/kg'])}",
                     f"Contacto: {self.contact()}"]
            if r.random() < 0.6:
                parts.append(r.choice(self.desc_es))
            sep = r.choice(["\n", " | ", ". "])
            return sep.join(parts), rid
        name, cas, form, rid = r.choice(self.chems)
        k = r.random()
        if k < 0.45:
            parts = [f"{name} CAS {cas}", f"Purity: {r.choice(PURITY)}", f"Appearance: {r.choice(APPEAR[form])}",
                     f"Package: {r.choice(PACK[form])}", f"MOQ: {r.choice(MOQ)}", f"Price: {self.price(form)}",
                     f"Delivery: {r.choice(DELIVERY)}", f"Payment: {r.choice(PAYMENT)}", f"Contact: {self.contact()}"]
            if r.random() < 0.5:
                parts.insert(3, f"Application: {r.choice(USE[form])}")
            if r.random() < 0.3:
                parts.insert(1, f"Origin: {r.choice(ORIGIN)}")
            text = r.choice(["\n", " | ", "; ", ", "]).join(parts)
        elif k < 0.75:
            text = (f"{r.choice(['Supply', 'High quality', 'Factory supply', 'Best price', 'Buy', 'Top grade', 'Offer'])} "
                    f"{name} {r.choice(['CAS', 'CAS No.', 'CAS#', 'cas'])} {cas} {r.choice(PURITY)} "
                    f"{r.choice(APPEAR[form])}, {r.choice(PACK[form])}, MOQ {r.choice(MOQ)}, {self.price(form)}. "
                    f"{r.choice(self.desc_en)} {r.choice(self.desc_en)} Contact {self.contact()}")
        else:
            text = (f"Product: {name}\nCAS No.: {cas}\nGrade: {r.choice(PURITY)}\nUsage: {r.choice(USE[form])}\n"
                    f"Packing: {r.choice(PACK[form])}\nPort: {r.choice(PORT)}\n{r.choice(self.desc_en)}\n"
                    f"{r.choice(self.desc_en)}\nEmail/WhatsApp: {self.contact()}")
        return text, rid

    def long_catalogue(self):
        r = self.r
        text, rid = self.catalogue("en")
        k = r.random()
        parts = [text]
        if k < 0.35:
            parts.append("Certificate of Analysis (batch " + str(r.randint(20200101, 20261231)) + "):")
            for item, vals in r.sample(COA_ITEMS, r.randint(6, len(COA_ITEMS))):
                parts.append(f"{item}: spec conforms / result {r.choice(vals)}")
            parts.append("Conclusion: the product conforms to the enterprise standard.")
        for _ in range(r.randint(3, 16)):
            parts.append(r.choice(self.long_paras))
        if r.random() < 0.4:
            parts.append("Other products: " + ", ".join(
                f"{c[0]} ({c[1]})" for c in r.sample(self.chems, r.randint(10, 60))))
        return "\n\n".join(parts), rid

    def price_list(self):
        r = self.r
        items = r.sample(self.chems, r.randint(8, 40))
        rows = [f"{i + 1}. {c[0]} CAS {c[1]} {r.choice(PURITY)} {self.price(c[2])}" for i, c in enumerate(items)]
        rid = ",".join(sorted({c[3] for c in items if c[3]}))
        return ("Price list " + str(r.randint(2024, 2026)) + " - " + r.choice(["in stock", "weekly update", "bulk"]) +
                "\n" + "\n".join(rows) + "\nContact: " + self.contact()), rid

    def obf_name(self, s, tags):
        before = s
        t = []
        s = self._obf_name(s, t)
        if s != before:
            tags.extend(x for x in t if x not in tags)
        return s

    def _obf_name(self, s, tags):
        r = self.r
        k = r.random()
        if k < 0.22:
            idx = [i for i, c in enumerate(s) if c in HOMO]
            if not idx:
                return s
            for i in r.sample(idx, min(len(idx), r.randint(1, 3))):
                s = s[:i] + HOMO[s[i]] + s[i + 1:]
            tags.append("homoglyph")
        elif k < 0.40:
            for _ in range(r.randint(1, 3)):
                i = r.randint(1, max(1, len(s) - 1))
                s = s[:i] + r.choice(ZW) + s[i:]
            tags.append("zero-width")
        elif k < 0.50:
            s = fullwidth(s)
            tags.append("fullwidth")
        elif k < 0.65:
            idx = [i for i, c in enumerate(s) if c in LEET]
            if not idx:
                return s
            for i in r.sample(idx, max(1, len(idx) * 2 // 5)):
                s = s[:i] + LEET[s[i]] + s[i + 1:]
            tags.append("leet")
        elif k < 0.85:
            m = r.random()
            i = r.randint(1, max(1, len(s) - 2))
            if m < 0.25:
                s = s[:i] + s[i + 1:]
            elif m < 0.45:
                s = s[:i] + s[i + 1:i + 2] + s[i:i + 1] + s[i + 2:]
            elif m < 0.6:
                s = s[:i] + s[i] + s[i:]
            elif m < 0.75:
                s = s.replace("ph", "f").replace("Ph", "F")
            elif m < 0.9:
                s = s.replace("-", " ")
            else:
                s = s.replace("-", "")
            tags.append("misspelling")
        else:
            if len(s) <= 6 and s.replace("-", "").isalnum():
                sep = r.choice([".", "-", " ", "/", "*"])
                s = sep.join(c for c in s if c != "-")
                tags.append("spaced-abbrev")
            else:
                s = s.upper() if r.random() < 0.5 else s.lower()
                tags.append("case")
        return s

    def obf_cas(self, cas, tags):
        t = []
        out = self._obf_cas(cas, t)
        if out != cas:
            tags.extend(x for x in t if x not in tags)
        return out

    def _obf_cas(self, cas, tags):
        r = self.r
        k = r.random()
        if k < 0.2:
            tags.append("cas-spaced")
            return cas.replace("-", " ")
        if k < 0.4:
            d = r.choice(DASHES)
            tags.append("cas-dash")
            return cas.replace("-", d)
        if k < 0.52:
            tags.append("cas-nosep")
            return cas.replace("-", "")
        if k < 0.64:
            tags.append("cas-digit-spaced")
            return " ".join(cas)
        if k < 0.78:
            tags.append("cas-fullwidth")
            return fullwidth(cas)
        if k < 0.92:
            tags.append("cas-zero-width")
            i = r.randint(1, len(cas) - 1)
            return cas[:i] + r.choice(ZW) + cas[i:]
        tags.append("cas-homoglyph-dash")
        return cas.replace("-", "\u2012")

    def offer(self, lang):
        r = self.r
        x = r.random() * self.prec_tot
        for i, c in enumerate(self.prec_cum):
            if x < c:
                break
        rid, _w, en, abbr, cases, es, zh, form = self.prec[i]
        tags = []
        if lang == "es" and r.random() < 0.65:
            name = r.choice(es)
            tags.append("spanish")
        elif lang == "zh" and r.random() < 0.65:
            name = r.choice(zh)
            tags.append("chinese")
        else:
            name = r.choice(en) if r.random() < 0.6 else r.choice(abbr)
            if r.random() < 0.3 and name not in abbr:
                name = f"{name} ({r.choice(abbr)})"
        cas = r.choice(cases)
        plain = r.random() < 0.35
        if not plain:   # 40 % name only, 20 % CAS RN only, 40 % both; a quarter of the names twice
            k = r.random()
            if k < 0.4 or k >= 0.6:
                name = self.obf_name(name, tags)
                if r.random() < 0.25:
                    name = self.obf_name(name, tags)
            if k >= 0.4:
                cas = self.obf_cas(cas, tags)
        has_cas = r.random() < 0.82
        if not has_cas:
            tags.append("no-cas")
        pur = r.choice(["99%", "99.9%", "98%", ">99%", "99.5%", "high purity"])
        if has_cas:
            cas_txt = r.choice(CAS_ZH if lang == "zh" else CAS_FMT).format(cas)
        else:
            cas_txt = ""
        fill = dict(name=name, cas=cas_txt, pur=pur, moq=r.choice(["1kg", "100g", "10kg"]),
                    price=f"${r.randint(100, 2000)}/kg", ship=r.choice(["DHL", "FedEx", "EMS", "UPS", "air cargo"]),
                    stock=r.randint(5, 800), wh=r.choice(WAREHOUSE), contact=self.contact())
        if lang == "es":
            fill["dest"] = r.choice(DEST_ES)
            text = r.choice(OFFER_ES).format(**fill)
        elif lang == "zh":
            fill["dest"] = r.choice(DEST_ZH)
            text = r.choice(OFFER_ZH).format(**fill)
        else:
            fill["dest"] = r.choice(DEST_EN)
            text = r.choice(OFFER_EN).format(**fill)
        if not has_cas:
            text = text.replace("  ", " ").replace(" / /", " /").replace(", ,", ",").replace("，，", "，")
        if r.random() < 0.15:   # spam-style long product list with the precursor buried in it
            items = [f"{c[0]} {c[1]}" for c in r.sample(self.chems, r.randint(10, 50))]
            items.insert(r.randint(0, len(items)), f"{name} {cas}" if has_cas else name)
            text = text + "\nOur hot products: " + ", ".join(items)
            tags.append("product-list")
        elif r.random() < 0.3:
            text = text + " " + r.choice(self.desc_en)
        return text, rid, ",".join(tags) or "plain"

    def news(self, lang):
        r = self.r
        rid, year, fact = r.choice(NEWS_FACTS)
        outlet = r.choice(["Reuters", "AP", "Chemical Week", "C&EN", "El Universal", "Milenio", "SCMP", "Xinhua",
                           "The Guardian", "Politico", "Customs Today", "Infobae"])
        date = f"{r.randint(max(year, 2018), 2026)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
        s1 = f"{outlet}, {date}: According to officials, {fact}."
        s2 = r.choice([
            f" Customs officers at {r.choice(PORT)} seized {r.randint(2, 900)} kg of undeclared chemicals in a shipment declared as {r.choice(self.chems)[0].lower()}.",
            " Regulators say online marketplaces remain the main channel for offers of precursor chemicals.",
            " The listing means exporters need a licence and a pre-export notification for every shipment.",
            f" Authorities arrested {r.randint(2, 12)} people accused of trafficking precursor chemicals.",
            " Industry groups asked for clearer guidance on which derivatives and salts are covered.",
        ])
        s3 = r.choice(["", " Officials did not give further details.",
                       " The decision follows a recommendation by the International Narcotics Control Board.",
                       f" The ministry said {r.randint(3, 40)} companies had been inspected this year."])
        text = s1 + s2 + s3
        if lang == "es":
            text = (f"{outlet}, {date}. Según las autoridades, {fact}. "
                    "La medida busca frenar el tráfico de precursores químicos." + s3)
        elif lang == "zh":
            text = f"{outlet} {date} 报道：据官方消息，{fact}。海关将加强对易制毒化学品的监管。"
        return text, rid

    def npp_steroid(self):
        r = self.r
        mg = r.choice([100, 150, 200])
        k = r.random()
        if k < 0.5:
            text = (f"{r.choice(['Nandrolone Phenylpropionate', 'NPP', 'NPP 100', 'Nandrolone Phenylprop (NPP)'])} "
                    f"{mg}mg/ml x 10ml vial - {r.choice(['Pharmacom', 'Balkan', 'Alpha', 'Zhengzhou', 'Hilma'])} - "
                    f"{r.randint(25, 90)} EUR - in stock. Often stacked: Test E, Deca, Tren A, NPP. "
                    f"Fast {r.choice(['EU', 'UK', 'US', 'AU'])} domestic shipping. {self.contact()}")
        elif k < 0.8:
            text = (f"Nandrolone phenylpropionate raw powder CAS 62-90-8 {r.choice(['99%', '98%'])}, NPP powder "
                    f"{r.choice(['10g', '100g', '1kg'])}, steroid hormone, {self.price('S')}. {self.contact()}")
        else:
            text = (f"Steroid shop menu: Testosterone Enanthate 250mg, Testosterone Propionate 100mg, NPP {mg}mg, "
                    f"Deca Durabolin 250mg, Masteron P 100mg, Winstrol 50mg tabs, Anavar 10mg. Prices in "
                    f"{r.choice(['EUR', 'USD', 'GBP'])}, bitcoin accepted. {self.contact()}")
        return text

    def aminopyridine(self):
        r = self.r
        k = r.random()
        if k < 0.6:
            text = (f"4-Aminopyridine (4-AP) CAS 504-24-5, {r.choice(['98%', '99%', 'USP'])}, "
                    f"{r.choice(['white crystalline powder', 'white to off-white crystals'])}, "
                    f"{r.choice(['25g', '100g', '500g', '1kg', '25kg/drum'])}, {self.price('S')}. "
                    f"Synonyms: 4-pyridinamine, fampridine, dalfampridine. {r.choice(self.desc_en)} {self.contact()}")
        elif k < 0.8:
            text = (f"Fampridine (dalfampridine, 4-AP) API, CAS 504-24-5, EP/USP grade, GMP, DMF available. "
                    f"{self.contact()}")
        else:
            text = (f"4-Aminophenol (4-AP, p-aminophenol) CAS 123-30-8 {r.choice(['99%', '98.5%'])}, "
                    f"paracetamol raw material, {r.choice(PACK['S'])}, {self.price('S')}. {self.contact()}")
        return text

    # ---- one record ----------------------------------------------------------------------------------------
    def record(self, n):
        r = self.r
        x = r.random()
        o = self.offer_share
        label = None
        if x < o:
            lang = "en" if r.random() < 0.6 else ("es" if r.random() < 0.5 else "zh")
            text, rid, tags = self.offer(lang)
            kind = "offer"
            seller = r.choice(self.shady) if r.random() < 0.85 else self.seller()
            label = (kind, rid, tags)
        elif x < o + 0.008:
            lang = "en" if r.random() < 0.75 else ("es" if r.random() < 0.5 else "zh")
            text, rid = self.news(lang)
            kind = "news"
            seller = r.choice(["newsfeed", "press-digest", "regwatch", "newswire"])
            label = (kind, rid, "")
        elif x < o + 0.014:
            lang = "en"
            text = self.npp_steroid()
            kind = "npp-steroid"
            seller = r.choice(self.shady[:40]) if r.random() < 0.2 else self.seller()
            label = (kind, "", "")
        elif x < o + 0.018:
            lang = "en"
            text = self.aminopyridine()
            kind = "4-aminopyridine"
            seller = self.seller()
            label = (kind, "", "")
        else:
            y = r.random()
            if y < 0.04:
                lang = "en"
                text, rid = self.long_catalogue()
                kind = "catalogue-long"
            elif y < 0.07:
                lang = "en"
                text, rid = self.price_list()
                kind = "price-list"
            else:
                lang = "en" if y < 0.83 else ("zh" if y < 0.93 else "es")
                text, rid = self.catalogue(lang)
                kind = "catalogue"
            seller = r.choice(self.shady) if r.random() < 0.03 else self.seller()
            if rid:
                label = ("catalogue-registry", rid, kind)
        self.counts[kind] = self.counts.get(kind, 0) + 1
        self.lang_counts[lang] += 1
        rec_id = f"L{n:09d}"
        line = json.dumps({"id": rec_id, "text": text, "seller": seller, "lang": lang}, ensure_ascii=False)
        return rec_id, line, label


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size-mb", type=float, required=True, help="stop once the output reaches N MB (10^6 bytes)")
    ap.add_argument("--offer-share", type=float, default=0.02, help="share of precursor offers (default 0.02)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", default="-", help="output path, '-' for stdout (default)")
    ap.add_argument("--labels", help="write ground truth TSV (id, kind, substance, tags) here")
    a = ap.parse_args()
    if not 0 <= a.offer_share <= 0.5:
        ap.error("--offer-share must be within [0, 0.5]")
    t0 = time.perf_counter()
    g = Gen(a.seed, a.offer_share)
    target = int(a.size_mb * 1_000_000)
    out = sys.stdout.buffer if a.output == "-" else open(a.output, "wb")
    lab = open(a.labels, "w", encoding="utf-8") if a.labels else None
    total = 0
    n = 0
    buf = []
    lbuf = []
    lengths = []
    while total < target:
        n += 1
        rec_id, line, label = g.record(n)
        b = (line + "\n").encode("utf-8")
        total += len(b)
        buf.append(b)
        if n % 64 == 0:
            lengths.append(len(b))
        if label is not None:
            lbuf.append(f"{rec_id}\t{label[0]}\t{label[1]}\t{label[2]}\n")
        if len(buf) >= 4096:
            out.write(b"".join(buf))
            buf.clear()
            if lab:
                lab.write("".join(lbuf))
            lbuf.clear()
    out.write(b"".join(buf))
    out.flush()
    if out is not sys.stdout.buffer:
        out.close()
    if lab:
        lab.write("".join(lbuf))
        lab.close()
    dt = time.perf_counter() - t0
    lengths.sort()
    q = lambda p: lengths[min(len(lengths) - 1, int(p * len(lengths)))] if lengths else 0
    c = g.counts
    print(f"gen: {n} records, {total / 1e6:.1f} MB in {dt:.1f} s ({total / 1e6 / dt:.1f} MB/s); "
          f"offers {c.get('offer', 0)} ({100 * c.get('offer', 0) / n:.2f} %), seed {a.seed}", file=sys.stderr)
    print("gen: kinds " + ", ".join(f"{k} {v}" for k, v in sorted(c.items())) + "; langs " +
          ", ".join(f"{k} {v}" for k, v in g.lang_counts.items()), file=sys.stderr)
    print(f"gen: line bytes (1/64 sample) median {q(0.5)}, p10 {q(0.1)}, p90 {q(0.9)}, p99 {q(0.99)}, "
          f"max {lengths[-1] if lengths else 0}", file=sys.stderr)


if __name__ == "__main__":
    main()
