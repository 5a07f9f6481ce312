-- A real version-1 store (schema 1, StudyApp at commit 585f7c6): its DDL exactly as that
-- version created it, and the rows of two synced sample decks, three answers, a setting,
-- a deck folder and a trainee note (paths changed to /home/trainee). Never edit the DDL.
BEGIN TRANSACTION;
CREATE TABLE card (
	id INTEGER NOT NULL, 
	note_id VARCHAR NOT NULL, 
	deck_id VARCHAR NOT NULL, 
	"key" VARCHAR NOT NULL, 
	new_order INTEGER NOT NULL, 
	queue INTEGER NOT NULL, 
	step INTEGER, 
	stability FLOAT, 
	difficulty FLOAT, 
	due INTEGER NOT NULL, 
	last_review INTEGER, 
	reps INTEGER NOT NULL, 
	lapses INTEGER NOT NULL, 
	retired BOOLEAN NOT NULL, 
	PRIMARY KEY (id), 
	UNIQUE (note_id, "key"), 
	FOREIGN KEY(note_id) REFERENCES note (id), 
	FOREIGN KEY(deck_id) REFERENCES deck (id)
);
INSERT INTO "card" VALUES(1,'s-5ht2a','sample-mechanisms','fwd',0,1,1,2.3065,2.11810397045901588342e+00,1772453400,1772452800,1,0,0);
INSERT INTO "card" VALUES(2,'s-bdnf','sample-mechanisms','fwd',1000,2,NULL,8.2956,1.0,1773316800,1772452800,1,0,0);
INSERT INTO "card" VALUES(3,'s-bdnf','sample-mechanisms','rev',1001,0,NULL,NULL,NULL,0,NULL,0,0,0);
INSERT INTO "card" VALUES(4,'s-mapp1','sample-mechanisms','c1',2000,0,NULL,NULL,NULL,0,NULL,0,0,0);
INSERT INTO "card" VALUES(5,'s-mapp1','sample-mechanisms','c2',2001,0,NULL,NULL,NULL,0,NULL,0,0,0);
INSERT INTO "card" VALUES(6,'s-nmda','sample-mechanisms','fwd',3000,0,NULL,NULL,NULL,0,NULL,0,0,0);
INSERT INTO "card" VALUES(7,'s-pat','sample-terms','fwd',0,1,0,0.212,6.4133,1772452860,1772452800,1,0,0);
INSERT INTO "card" VALUES(8,'s-pat','sample-terms','rev',1,0,NULL,NULL,NULL,0,NULL,0,0,0);
CREATE TABLE deck (
	id VARCHAR NOT NULL, 
	title VARCHAR NOT NULL, 
	family VARCHAR NOT NULL, 
	description VARCHAR NOT NULL, 
	path VARCHAR NOT NULL, 
	digest VARCHAR NOT NULL, 
	active BOOLEAN NOT NULL, 
	PRIMARY KEY (id)
);
INSERT INTO "deck" VALUES('sample-mechanisms','Sample mechanisms','mechanisms','A small deck for the tests.','/home/trainee/decks/sample.yaml','b77a03839725f2a0b92e636233dff0409be9bf2580d150e0e324a19ab38b7781',1);
INSERT INTO "deck" VALUES('sample-terms','Sample terms','terms','','/home/trainee/decks/terms.yaml','58ffb26b0d2cc9daa0b74c496525330771eaaabb538b5e607924beb156fafca3',1);
CREATE TABLE deck_folder (
	path VARCHAR NOT NULL, 
	PRIMARY KEY (path)
);
INSERT INTO "deck_folder" VALUES('/home/trainee/more-decks');
CREATE TABLE note (
	id VARCHAR NOT NULL, 
	deck_id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	position INTEGER NOT NULL, 
	front VARCHAR NOT NULL, 
	back VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	extra VARCHAR NOT NULL, 
	correction VARCHAR NOT NULL, 
	tags VARCHAR NOT NULL, 
	sources VARCHAR NOT NULL, 
	cites VARCHAR NOT NULL, 
	as_of INTEGER, 
	revision INTEGER NOT NULL, 
	digest VARCHAR NOT NULL, 
	retired BOOLEAN NOT NULL, 
	retired_reason VARCHAR, 
	replaced_by VARCHAR, 
	line INTEGER NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(deck_id) REFERENCES deck (id)
);
INSERT INTO "note" VALUES('s-5ht2a','sample-mechanisms','basic',0,'Which receptor do classic psychedelics mainly act on?','The serotonin 5-HT<sub>2A</sub> receptor (agonism).','','','','serotonin','zhou2024','',NULL,1,'37a6bfc8cb13af9a55df51b4413fcb83',0,NULL,NULL,8);
INSERT INTO "note" VALUES('s-bdnf','sample-mechanisms','reversed',1,'BDNF','Brain-derived neurotrophic factor','','','','','feduccia2018','',NULL,1,'18486c796bbd60fa58f2b53a85975862',0,NULL,NULL,13);
INSERT INTO "note" VALUES('s-mapp1','sample-mechanisms','cloze',2,'','','In MAPP1, {{c1::67%}} on MDMA versus {{c2::32%}} on placebo no longer met PTSD criteria.','','','','zhou2024','mitchell2021',2025,1,'73a4b70cc706be50d42257e44609a1be',0,NULL,NULL,18);
INSERT INTO "note" VALUES('s-nmda','sample-mechanisms','basic',3,'Which receptor does ketamine block?','The NMDA glutamate receptor.','','','','','rehabblog_nd','',NULL,1,'7a12db258a0558a942dd4878ad4671a0',0,NULL,NULL,24);
INSERT INTO "note" VALUES('s-pat','sample-terms','reversed',0,'PAT','Psychedelic-assisted therapy','','','','','consensus_nd','',NULL,1,'b5906a0a9238ba047ea5d4dddab5bb55',0,NULL,NULL,7);
CREATE TABLE review (
	id INTEGER NOT NULL, 
	card_id INTEGER NOT NULL, 
	reviewed_at INTEGER NOT NULL, 
	rating INTEGER NOT NULL, 
	duration_ms INTEGER NOT NULL, 
	queue_before INTEGER NOT NULL, 
	queue_after INTEGER NOT NULL, 
	stability_after FLOAT, 
	difficulty_after FLOAT, 
	due_after INTEGER NOT NULL, 
	"before" VARCHAR NOT NULL, 
	PRIMARY KEY (id), 
	FOREIGN KEY(card_id) REFERENCES card (id)
);
INSERT INTO "review" VALUES(1,1,1772452800000,3,4000,0,1,2.3065,2.11810397045901588342e+00,1772453400,'{"queue": 0, "step": null, "stability": null, "difficulty": null, "due": 0, "last_review": null, "reps": 0, "lapses": 0}');
INSERT INTO "review" VALUES(2,7,1772452800000,1,4000,0,1,0.212,6.4133,1772452860,'{"queue": 0, "step": null, "stability": null, "difficulty": null, "due": 0, "last_review": null, "reps": 0, "lapses": 0}');
INSERT INTO "review" VALUES(3,2,1772452800000,4,4000,0,2,8.2956,1.0,1773316800,'{"queue": 0, "step": null, "stability": null, "difficulty": null, "due": 0, "last_review": null, "reps": 0, "lapses": 0}');
CREATE TABLE setting (
	"key" VARCHAR NOT NULL, 
	value VARCHAR NOT NULL, 
	PRIMARY KEY ("key")
);
INSERT INTO "setting" VALUES('sync.file_stats','{"/home/trainee/decks/sample.yaml":[770,1795944532959045090,5308926,"b77a03839725f2a0b92e636233dff0409be9bf2580d150e0e324a19ab38b7781"],"/home/trainee/decks/terms.yaml":[200,1795944532959129856,5308927,"58ffb26b0d2cc9daa0b74c496525330771eaaabb538b5e607924beb156fafca3"]}');
INSERT INTO "setting" VALUES('sync.bibliography_digest','a73c09d871c2738eb02c0a5d782bdaa646185bb2c264e2b728b6beab5d1b3669');
CREATE TABLE source (
	id VARCHAR NOT NULL, 
	kind VARCHAR NOT NULL, 
	authors VARCHAR NOT NULL, 
	year INTEGER, 
	title VARCHAR NOT NULL, 
	venue VARCHAR, 
	doi VARCHAR, 
	url VARCHAR, 
	retracted VARCHAR, 
	PRIMARY KEY (id)
);
INSERT INTO "source" VALUES('zhou2024','seed','Zhou L',2024,'Psychedelic Assisted Psychotherapy for Treatment Resistant Disorders: Mechanisms, Evidence and Future Directions','Health Science Journal 18(11):1203','10.36648/1791-809X.18.11.1203',NULL,NULL);
INSERT INTO "source" VALUES('rieser2021','seed','Rieser NM, Herdener M, Preller KH',2021,'Psychedelic-Assisted Therapy for Substance Use Disorders and Potential Mechanisms of Action (PCSS-MOUD course summary)','Current Topics in Behavioral Neurosciences 2022;56:187-211 (online Dec 2021)','10.1007/7854_2021_284',NULL,NULL);
INSERT INTO "source" VALUES('consensus_nd','seed','Consensus (AI literature synthesis)',NULL,'Psychedelic-Assisted Therapy: A Comprehensive Overview','consensus.app Pro Research Analysis, undated',NULL,NULL,NULL);
INSERT INTO "source" VALUES('rehabblog_nd','seed','Anonymous',NULL,'Ketamine and psychedelics in substance-abuse treatment (blog post)','Addiction-treatment centre blog, undated',NULL,NULL,NULL);
INSERT INTO "source" VALUES('feduccia2018','seed','Feduccia AA, Mithoefer MC',2018,'MDMA-assisted psychotherapy for PTSD: Are memory reconsolidation and fear extinction underlying mechanisms?','Progress in Neuro-Psychopharmacology & Biological Psychiatry 84(Pt A):221-228 (video summary)','10.1016/j.pnpbp.2018.03.003',NULL,NULL);
INSERT INTO "source" VALUES('mitchell2021','primary','Mitchell JM et al.',2021,'MDMA-assisted therapy for severe PTSD (MAPP1, phase 3)','Nature Medicine 27:1025-1033','10.1038/s41591-021-01336-3',NULL,NULL);
INSERT INTO "source" VALUES('mitchell2023','primary','Mitchell JM et al.',2023,'MDMA-assisted therapy for moderate to severe PTSD (MAPP2, phase 3)','Nature Medicine 29:2473-2480','10.1038/s41591-023-02565-4',NULL,NULL);
INSERT INTO "source" VALUES('mithoefer2018','primary','Mithoefer MC et al.',2018,'MDMA-assisted psychotherapy for PTSD in veterans, firefighters and police officers (phase 2 dose-response)','Lancet Psychiatry 5(6):486-497','10.1016/S2215-0366(18)30135-4',NULL,NULL);
INSERT INTO "source" VALUES('mithoefer2019','primary','Mithoefer MC et al.',2019,'Pooled analysis of six phase 2 trials of MDMA-assisted psychotherapy for PTSD','Psychopharmacology 236:2735-2745','10.1007/s00213-019-05249-5',NULL,'Retracted by Psychopharmacology in August 2024 (protocol violations at the MP-4 site, undisclosed competing interests).');
INSERT INTO "source" VALUES('jerome2020','primary','Jerome L et al.',2020,'Long-term follow-up of MDMA-assisted psychotherapy for PTSD (pooled phase 2)','Psychopharmacology 237:2485-2497','10.1007/s00213-020-05548-2',NULL,'Retracted by Psychopharmacology in August 2024 (protocol violations at the MP-4 site, undisclosed competing interests).');
INSERT INTO "source" VALUES('luoma2020','primary','Luoma JB et al.',2020,'A meta-analysis of placebo-controlled trials of psychedelic-assisted therapy','Journal of Psychoactive Drugs 52(4):289-299','10.1080/02791072.2020.1769878',NULL,NULL);
INSERT INTO "source" VALUES('davis2021','primary','Davis AK et al.',2021,'Effects of psilocybin-assisted therapy on major depressive disorder (randomized clinical trial)','JAMA Psychiatry 78(5):481-489 (online Nov 2020)','10.1001/jamapsychiatry.2020.3285',NULL,NULL);
INSERT INTO "source" VALUES('gukasyan2022','primary','Gukasyan N et al.',2022,'Efficacy and safety of psilocybin-assisted treatment for major depressive disorder, 12-month follow-up','Journal of Psychopharmacology 36(2):151-158','10.1177/02698811211073759',NULL,NULL);
INSERT INTO "source" VALUES('gasser2014','primary','Gasser P et al.',2014,'LSD-assisted psychotherapy for anxiety associated with life-threatening diseases','Journal of Nervous and Mental Disease 202(7):513-520','10.1097/NMD.0000000000000113',NULL,NULL);
INSERT INTO "source" VALUES('grob2011','primary','Grob CS et al.',2011,'Pilot study of psilocybin treatment for anxiety in patients with advanced-stage cancer','Archives of General Psychiatry 68(1):71-78','10.1001/archgenpsychiatry.2010.116',NULL,NULL);
INSERT INTO "source" VALUES('goodwin2022','primary','Goodwin GM et al.',2022,'Psilocybin (COMP360) at 25, 10 or 1 mg for treatment-resistant depression','New England Journal of Medicine 387:1637-1648','10.1056/NEJMoa2206443',NULL,NULL);
INSERT INTO "source" VALUES('raison2023','primary','Raison CL et al.',2023,'Single-dose psilocybin treatment for major depressive disorder (randomized clinical trial)','JAMA 330(9):843-853','10.1001/jama.2023.14530',NULL,NULL);
INSERT INTO "source" VALUES('ly2018','primary','Ly C et al.',2018,'Psychedelics promote structural and functional neural plasticity','Cell Reports 23:3170-3182','10.1016/j.celrep.2018.05.022',NULL,NULL);
INSERT INTO "source" VALUES('shao2021','primary','Shao LX et al.',2021,'Psilocybin induces rapid and persistent growth of dendritic spines in frontal cortex in vivo','Neuron 109:2535-2544','10.1016/j.neuron.2021.06.008',NULL,NULL);
INSERT INTO "source" VALUES('carhartharris2015','primary','Carhart-Harris RL et al.',2015,'The effects of acutely administered MDMA on spontaneous brain function in healthy volunteers (fMRI)','Biological Psychiatry 78:554-562','10.1016/j.biopsych.2013.12.015',NULL,NULL);
INSERT INTO "source" VALUES('young2015','primary','Young MB et al.',2015,'MDMA enhances fear extinction in mice, dependent on BDNF signalling','Translational Psychiatry 5:e634','10.1038/tp.2015.138',NULL,NULL);
INSERT INTO "source" VALUES('danforth2018','primary','Danforth AL et al.',2018,'MDMA-assisted therapy for social anxiety in autistic adults (pilot RCT)','Psychopharmacology 235:3137-3148','10.1007/s00213-018-5010-9',NULL,NULL);
INSERT INTO "source" VALUES('johnson2014','primary','Johnson MW et al.',2014,'Pilot study of the 5-HT2A agonist psilocybin in the treatment of tobacco addiction','Journal of Psychopharmacology 28(11):983-992','10.1177/0269881114548296',NULL,NULL);
INSERT INTO "source" VALUES('bogenschutz2022','primary','Bogenschutz MP et al.',2022,'Psilocybin-assisted treatment for alcohol use disorder (randomized clinical trial)','JAMA Psychiatry 79(10):953-962','10.1001/jamapsychiatry.2022.2096',NULL,NULL);
INSERT INTO "source" VALUES('carhartharris2021','primary','Carhart-Harris RL et al.',2021,'Trial of psilocybin versus escitalopram for depression','New England Journal of Medicine (2021)',NULL,NULL,NULL);
INSERT INTO "source" VALUES('carhartharris2012','primary','Carhart-Harris RL et al.',2012,'Neural correlates of the psychedelic state as determined by fMRI studies with psilocybin','Proceedings of the National Academy of Sciences (2012)',NULL,NULL,NULL);
INSERT INTO "source" VALUES('yan2019','primary','Yan CG et al. (REST-meta-MDD consortium)',2019,'Reduced default mode network functional connectivity in patients with recurrent major depressive disorder','Proceedings of the National Academy of Sciences (2019)',NULL,NULL,NULL);
INSERT INTO "source" VALUES('maclean2011','primary','MacLean KA, Johnson MW, Griffiths RR',2011,'Mystical experiences occasioned by psilocybin lead to increases in the personality domain of openness','Journal of Psychopharmacology (2011)',NULL,NULL,NULL);
INSERT INTO "source" VALUES('erritzoe2018','primary','Erritzoe D et al.',2018,'Effects of psilocybin therapy on personality structure','Acta Psychiatrica Scandinavica (2018)',NULL,NULL,NULL);
INSERT INTO "source" VALUES('singleton2023','primary','Singleton SP et al.',2023,'fMRI study of people with PTSD after MDMA-assisted therapy','Frontiers in Psychiatry (2023)',NULL,NULL,NULL);
INSERT INTO "source" VALUES('hake2019','primary','Hake HS et al.',2019,'MDMA and fear extinction in rats','Physiology & Behavior (2019)',NULL,NULL,NULL);
INSERT INTO "source" VALUES('holze2023','primary','Holze F et al.',2023,'LSD-assisted therapy in patients with anxiety (randomized trial)','Biological Psychiatry (2023)',NULL,NULL,NULL);
INSERT INTO "source" VALUES('dumont2009','primary','Dumont GJH et al.',2009,'Increased oxytocin concentrations and prosocial feelings in humans after ecstasy (MDMA) administration','Social Neuroscience (2009)',NULL,NULL,NULL);
INSERT INTO "source" VALUES('fda-btd-mdma-2017','regulatory','US Food and Drug Administration (announced by MAPS)',2017,'Breakthrough Therapy designation for MDMA-assisted psychotherapy for PTSD (16 Aug 2017)','FDA designation',NULL,NULL,NULL);
INSERT INTO "source" VALUES('fda-btd-psilocybin','regulatory','US Food and Drug Administration (announced by COMPASS Pathways and Usona Institute)',2019,'Breakthrough Therapy designations for psilocybin (COMP360 for TRD, Oct 2018; Usona for MDD, 2019)','FDA designations',NULL,NULL,NULL);
INSERT INTO "source" VALUES('fda-btd-mm120-2024','regulatory','US Food and Drug Administration (announced by MindMed)',2024,'Breakthrough Therapy designation for MM120 (LSD) for generalised anxiety disorder (March 2024)','FDA designation',NULL,NULL,NULL);
INSERT INTO "source" VALUES('fda-adcomm-2024','regulatory','FDA Psychopharmacologic Drugs Advisory Committee',2024,'Meeting on the new drug application for midomafetamine (MDMA) capsules for PTSD (4 June 2024)','FDA advisory committee',NULL,NULL,NULL);
INSERT INTO "source" VALUES('fda-crl-2024','regulatory','US Food and Drug Administration (announced by Lykos Therapeutics)',2024,'Complete response letter for midomafetamine (MDMA) for PTSD (9 August 2024)','FDA decision',NULL,NULL,NULL);
INSERT INTO "source" VALUES('psychopharmacology-retractions-2024','regulatory','Psychopharmacology (Springer Nature)',2024,'Retraction notes for three papers on the MDMA phase 2 trials (August 2024)','Psychopharmacology',NULL,NULL,NULL);
INSERT INTO "source" VALUES('fda-esketamine-2019','regulatory','US Food and Drug Administration',2019,'Approval of esketamine nasal spray (Spravato) for treatment-resistant depression (March 2019)','FDA approval',NULL,NULL,NULL);
INSERT INTO "source" VALUES('tga2023','regulatory','Therapeutic Goods Administration (Australia)',2023,'Authorised psychiatrists may prescribe MDMA for PTSD and psilocybin for TRD from 1 July 2023 (announced 3 Feb 2023)','TGA decision',NULL,NULL,NULL);
INSERT INTO "source" VALUES('us-csa','regulatory','United States Congress; Drug Enforcement Administration',1970,'Controlled Substances Act and its schedules','21 U.S.C. 812',NULL,NULL,NULL);
INSERT INTO "source" VALUES('us-state-psilocybin','regulatory','Oregon, Colorado and New Mexico',2025,'Oregon Measure 109 (2020), Colorado Proposition 122 (2022), New Mexico Medical Psilocybin Act (signed 7 Apr 2025)','State law',NULL,NULL,NULL);
INSERT INTO "source" VALUES('canada-access','regulatory','Health Canada',2022,'Section 56 exemptions (from 2020) and Special Access Program requests (from Jan 2022) for psilocybin','Health Canada',NULL,NULL,NULL);
CREATE TABLE user_note (
	note_id VARCHAR NOT NULL, 
	text VARCHAR NOT NULL, 
	updated_at INTEGER NOT NULL, 
	PRIMARY KEY (note_id)
);
INSERT INTO "user_note" VALUES('s-5ht2a','my own note',1772452800);
CREATE INDEX ix_deck_family ON deck (family);
CREATE INDEX ix_note_deck_id ON note (deck_id);
CREATE INDEX ix_card_queue_deck ON card (retired, queue, deck_id);
CREATE INDEX ix_card_queue_due ON card (retired, queue, due);
CREATE INDEX ix_card_new_order ON card (retired, queue, new_order);
CREATE INDEX ix_card_deck_queue_due ON card (deck_id, retired, queue, due);
CREATE INDEX ix_review_time ON review (reviewed_at);
CREATE INDEX ix_review_card_id ON review (card_id);
COMMIT;
PRAGMA user_version=1;
